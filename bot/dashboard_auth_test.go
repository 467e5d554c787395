package bot

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

const dashboardToken = "test-dashboard-token"

// serve sends one request to the bot's handler.
func serve(s *Service, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, r)
	return rec
}

func signInForm(token, next string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/dashboard/sign-in", strings.NewReader(url.Values{"token": {token}, "next": {next}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// The dashboard is closed to strangers: no token, a wrong one, a forged or
// expired cookie all get the sign-in page; the read token, as a bearer
// header or through sign-in, opens it.
func TestDashboardNeedsTheReadToken(t *testing.T) {
	w := newWorld(t)
	cfg := w.config()
	cfg.DashboardToken = dashboardToken
	w.start(cfg)
	s := w.bot

	rec := serve(s, httptest.NewRequest(http.MethodGet, "/dashboard", nil))
	if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), `name="token"`) || strings.Contains(rec.Body.String(), `id="n-open"`) {
		t.Fatalf("no token: %d %q; want 401 with the sign-in form and no numbers", rec.Code, rec.Body.String())
	}
	for name, set := range map[string]func(*http.Request){
		"wrong bearer": func(r *http.Request) { r.Header.Set("Authorization", "Bearer nope") },
		"API token":    func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+apiToken) },
		"forged cookie": func(r *http.Request) {
			r.AddCookie(&http.Cookie{Name: dashboardCookie, Value: "99999999999.token.00ff"})
		},
		"token cookie":   func(r *http.Request) { r.AddCookie(&http.Cookie{Name: dashboardCookie, Value: dashboardToken}) },
		"expired cookie": func(r *http.Request) { r.AddCookie(&http.Cookie{Name: dashboardCookie, Value: expiredSession(s)}) },
	} {
		r := httptest.NewRequest(http.MethodGet, "/dashboard", nil)
		set(r)
		if rec := serve(s, r); rec.Code != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, rec.Code)
		}
	}
	if rec := serve(s, signInForm("nope", "/dashboard")); rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), `id="problem"`) || len(rec.Result().Cookies()) != 0 {
		t.Errorf("wrong sign-in: %d, cookies %v", rec.Code, rec.Result().Cookies())
	}

	r := httptest.NewRequest(http.MethodGet, "/dashboard", nil)
	r.Header.Set("Authorization", "Bearer "+dashboardToken)
	if rec := serve(s, r); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `id="n-open"`) {
		t.Errorf("bearer: status %d", rec.Code)
	}

	rec = serve(s, signInForm(dashboardToken, "https://evil.example/"))
	cookies := rec.Result().Cookies()
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/dashboard" || len(cookies) != 1 {
		t.Fatalf("sign-in: %d to %q, cookies %v", rec.Code, rec.Header().Get("Location"), cookies)
	}
	c := cookies[0]
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || strings.Contains(c.Value, dashboardToken) {
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, not the token", c)
	}
	r = httptest.NewRequest(http.MethodGet, "/dashboard?severity=high", nil)
	r.AddCookie(c)
	if rec := serve(s, r); rec.Code != http.StatusOK {
		t.Errorf("with the session cookie: status %d", rec.Code)
	}
	w.clock.Add(dashboardSession + time.Minute)
	if rec := serve(s, r); rec.Code != http.StatusUnauthorized {
		t.Errorf("session after %v: status %d, want 401", dashboardSession, rec.Code)
	}
}

func expiredSession(s *Service) string {
	exp := "1000000000" // 2001
	return exp + "." + tokenHolder + "." + s.sessionMAC(exp, tokenHolder)
}

// Without a configured token the dashboard is off, not open.
func TestDashboardOffWithoutToken(t *testing.T) {
	w := newWorld(t)
	w.start(nil)
	for _, r := range []*http.Request{httptest.NewRequest(http.MethodGet, "/dashboard", nil), signInForm("", ""), httptest.NewRequest(http.MethodGet, "/dashboard/oauth", nil)} {
		if rec := serve(w.bot, r); rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "VIGIL_DASHBOARD_TOKEN") {
			t.Errorf("%s %s: %d %q; want 403 naming VIGIL_DASHBOARD_TOKEN", r.Method, r.URL, rec.Code, rec.Body.String())
		}
	}
}

// A callback the bot did not start, or one GitLab answered with an error,
// signs no one in.
func TestDashboardOAuthCallbackRefusals(t *testing.T) {
	w := newWorld(t)
	cfg := w.config()
	cfg.DashboardOAuthID, cfg.DashboardOAuthSecret = w.gl.AddOAuthApplication("http://example.com/dashboard/oauth/callback")
	cfg.DashboardProject = "group/app"
	w.start(cfg)
	sessions := func(rec *httptest.ResponseRecorder) int {
		n := 0
		for _, c := range rec.Result().Cookies() {
			if c.Name == dashboardCookie && c.MaxAge >= 0 {
				n++
			}
		}
		return n
	}
	rec := serve(w.bot, httptest.NewRequest(http.MethodGet, "/dashboard/oauth/callback?state=abc&code=def", nil))
	if rec.Code != http.StatusBadRequest || sessions(rec) != 0 || !strings.Contains(rec.Body.String(), "try again") {
		t.Errorf("unstarted callback: %d, %d sessions", rec.Code, sessions(rec))
	}
	start := serve(w.bot, httptest.NewRequest(http.MethodGet, "/dashboard/oauth?next=/dashboard%3Ftier%3Dprod", nil))
	loc := start.Header().Get("Location")
	if start.Code != http.StatusFound || !strings.HasPrefix(loc, w.gl.URL()+"/oauth/authorize?") || !strings.Contains(loc, "code_challenge_method=S256") {
		t.Fatalf("start: %d to %s", start.Code, loc)
	}
	state := strings.Split(start.Result().Cookies()[0].Value, ".")[0]
	r := httptest.NewRequest(http.MethodGet, "/dashboard/oauth/callback?state="+state+"&error=access_denied", nil)
	r.AddCookie(start.Result().Cookies()[0])
	if rec := serve(w.bot, r); rec.Code != http.StatusUnauthorized || sessions(rec) != 0 || !strings.Contains(rec.Body.String(), "access_denied") {
		t.Errorf("denied at GitLab: %d, %d sessions, %q", rec.Code, sessions(rec), rec.Body.String())
	}
	r = httptest.NewRequest(http.MethodGet, "/dashboard/oauth/callback?state="+state+"&code=forged", nil)
	r.AddCookie(start.Result().Cookies()[0])
	if rec := serve(w.bot, r); rec.Code != http.StatusUnauthorized || sessions(rec) != 0 {
		t.Errorf("forged code: %d, %d sessions", rec.Code, sessions(rec))
	}
	cfg.DashboardOAuthSecret = ""
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "VIGIL_DASHBOARD_OAUTH_SECRET") {
		t.Errorf("OAuth without a secret: %v", err)
	}
}
