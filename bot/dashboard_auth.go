package bot

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The dashboard's session: a browser cannot send a bearer header when it
// navigates, so the sign-in page trades the read token (or a GitLab
// sign-in, dashboard_oauth.go) for an HttpOnly cookie. The cookie holds an
// expiry, who signed in and a MAC, never the token; changing the token,
// the OAuth secret or the marker key signs every browser out.
const (
	dashboardCookie  = "vigil_dashboard"
	dashboardSession = 12 * time.Hour
	maxSignInBytes   = 4 << 10
	// tokenHolder is who a session opened with the read token belongs to.
	tokenHolder = "token"
)

func (s *Service) dashboardOn() bool {
	return s.cfg.DashboardToken != "" || s.cfg.DashboardOAuthID != ""
}

// dashboardAllowed lets through the bearer token or a live session cookie.
func (s *Service) dashboardAllowed(r *http.Request) bool {
	if got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		tok := s.cfg.DashboardToken
		return tok != "" && subtle.ConstantTimeCompare([]byte(got), []byte(tok)) == 1
	}
	c, err := r.Cookie(dashboardCookie)
	if err != nil {
		return false
	}
	exp, rest, ok1 := strings.Cut(c.Value, ".")
	i := strings.LastIndexByte(rest, '.')
	unix, err := strconv.ParseInt(exp, 10, 64)
	if !ok1 || i < 0 || err != nil || s.now().Unix() >= unix {
		return false
	}
	return hmac.Equal([]byte(rest[i+1:]), []byte(s.sessionMAC(exp, rest[:i])))
}

// sessionMAC signs a session's expiry and holder with a key drawn from the
// marker key and every sign-in secret.
func (s *Service) sessionMAC(expiry, who string) string {
	k := hmac.New(sha256.New, []byte(s.cfg.MarkerKey))
	k.Write([]byte("vigil dashboard session\x00" + s.cfg.DashboardToken + "\x00" + s.cfg.DashboardOAuthSecret))
	h := hmac.New(sha256.New, k.Sum(nil))
	h.Write([]byte(expiry + "\x00" + who))
	return hex.EncodeToString(h.Sum(nil))
}

// startSession sets the session cookie of who and goes on to next. After
// a redirect from GitLab the way on is a page of this site (a browser does
// not send a SameSite=Strict cookie on a redirect that began elsewhere).
func (s *Service) startSession(w http.ResponseWriter, r *http.Request, who, next string, fromElsewhere bool) {
	exp := strconv.FormatInt(s.now().Add(dashboardSession).Unix(), 10)
	http.SetCookie(w, &http.Cookie{
		Name: dashboardCookie, Value: exp + "." + who + "." + s.sessionMAC(exp, who),
		Path: "/dashboard", MaxAge: int(dashboardSession.Seconds()), HttpOnly: true,
		Secure: secureRequest(r), SameSite: http.SameSiteStrictMode,
	})
	if fromElsewhere {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err := dashboardPages.ExecuteTemplate(w, "continue", safeNext(next)); err != nil {
			s.log.Warn("render dashboard sign-in", "err", err)
		}
		return
	}
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

func secureRequest(r *http.Request) bool {
	return r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}

// dashboardAuth refuses what dashboardAllowed does not let through: 403
// while no sign-in is configured, else 401 with the sign-in page.
func (s *Service) dashboardAuth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.dashboardOn() {
			http.Error(w, "the dashboard is off: set VIGIL_DASHBOARD_TOKEN (or a GitLab OAuth application)", http.StatusForbidden)
			return
		}
		if !s.dashboardAllowed(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="vigil dashboard"`)
			s.renderSignIn(w, http.StatusUnauthorized, r.URL.RequestURI(), "")
			return
		}
		h(w, r)
	}
}

// signIn checks the posted read token and starts a session.
func (s *Service) signIn(w http.ResponseWriter, r *http.Request) {
	if s.cfg.DashboardToken == "" {
		http.Error(w, "sign-in with a token is off: set VIGIL_DASHBOARD_TOKEN", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxSignInBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "sign-in form too large or malformed", http.StatusBadRequest)
		return
	}
	next := r.PostForm.Get("next")
	if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("token")), []byte(s.cfg.DashboardToken)) != 1 {
		s.renderSignIn(w, http.StatusUnauthorized, next, "That token is not the dashboard's read token.")
		return
	}
	s.startSession(w, r, tokenHolder, next, false)
}

// signOut clears the session cookie.
func (s *Service) signOut(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: dashboardCookie, Path: "/dashboard", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
}

// safeNext keeps a redirect after sign-in on the dashboard: anything else
// (another host, another path) goes to the dashboard itself.
func safeNext(next string) string {
	if next == "/dashboard" || strings.HasPrefix(next, "/dashboard?") {
		return next
	}
	return "/dashboard"
}

func (s *Service) renderSignIn(w http.ResponseWriter, status int, next, problem string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	err := dashboardPages.ExecuteTemplate(w, "signin", map[string]any{
		"Next": safeNext(next), "Problem": problem, "Token": s.cfg.DashboardToken != "", "GitLab": s.cfg.DashboardOAuthID != "",
	})
	if err != nil {
		s.log.Warn("render dashboard sign-in", "err", err)
	}
}
