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
// navigates, so the sign-in page trades the read token for an HttpOnly
// cookie. The cookie holds an expiry and a MAC keyed by the token, never
// the token itself; changing the token signs every browser out.
const (
	dashboardCookie  = "vigil_dashboard"
	dashboardSession = 12 * time.Hour
	maxSignInBytes   = 4 << 10
)

// dashboardAllowed lets through a bearer token or a live session cookie.
func (s *Service) dashboardAllowed(r *http.Request) bool {
	tok := s.cfg.DashboardToken
	if tok == "" {
		return false
	}
	if got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return subtle.ConstantTimeCompare([]byte(got), []byte(tok)) == 1
	}
	c, err := r.Cookie(dashboardCookie)
	if err != nil {
		return false
	}
	exp, mac, ok := strings.Cut(c.Value, ".")
	unix, err := strconv.ParseInt(exp, 10, 64)
	if !ok || err != nil || s.now().Unix() >= unix {
		return false
	}
	return hmac.Equal([]byte(mac), []byte(sessionMAC(tok, exp)))
}

func sessionMAC(token, expiry string) string {
	h := hmac.New(sha256.New, []byte(token))
	h.Write([]byte("vigil dashboard session\x00" + expiry))
	return hex.EncodeToString(h.Sum(nil))
}

// dashboardAuth refuses what dashboardAllowed does not let through: 403
// while no token is configured, else 401 with the sign-in page.
func (s *Service) dashboardAuth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.DashboardToken == "" {
			http.Error(w, "the dashboard is off: set VIGIL_DASHBOARD_TOKEN", http.StatusForbidden)
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

// signIn checks the posted token and sets the session cookie.
func (s *Service) signIn(w http.ResponseWriter, r *http.Request) {
	if s.cfg.DashboardToken == "" {
		http.Error(w, "the dashboard is off: set VIGIL_DASHBOARD_TOKEN", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxSignInBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "sign-in form too large or malformed", http.StatusBadRequest)
		return
	}
	next := safeNext(r.PostForm.Get("next"))
	if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("token")), []byte(s.cfg.DashboardToken)) != 1 {
		s.renderSignIn(w, http.StatusUnauthorized, next, "That token is not the dashboard's read token.")
		return
	}
	exp := strconv.FormatInt(s.now().Add(dashboardSession).Unix(), 10)
	http.SetCookie(w, &http.Cookie{
		Name: dashboardCookie, Value: exp + "." + sessionMAC(s.cfg.DashboardToken, exp),
		Path: "/dashboard", MaxAge: int(dashboardSession.Seconds()), HttpOnly: true,
		Secure: r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https", SameSite: http.SameSiteStrictMode,
	})
	http.Redirect(w, r, next, http.StatusSeeOther)
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
	if err := dashboardPages.ExecuteTemplate(w, "signin", map[string]string{"Next": safeNext(next), "Problem": problem}); err != nil {
		s.log.Warn("render dashboard sign-in", "err", err)
	}
}
