package bot

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
	"golang.org/x/oauth2"
)

// GitLab sign-in to the dashboard: the authorization-code flow with PKCE
// against GitLab as an OAuth provider (golang.org/x/oauth2). The token it
// yields is used once, to read who signed in; whether they may see the
// dashboard is asked with the bot's own token: a member of the dashboard
// project with the Reporter role or more.
const (
	oauthCookie  = "vigil_oauth"
	oauthTimeout = 30 * time.Second
)

// oauthConfig is the OAuth client; the callback is on the host the browser
// came to (GitLab refuses any callback the application does not list).
func (s *Service) oauthConfig(r *http.Request) *oauth2.Config {
	base, scheme := strings.TrimSuffix(s.cfg.GitLabURL, "/"), "http"
	if secureRequest(r) {
		scheme = "https"
	}
	return &oauth2.Config{
		ClientID: s.cfg.DashboardOAuthID, ClientSecret: s.cfg.DashboardOAuthSecret, Scopes: []string{"read_user"},
		RedirectURL: scheme + "://" + r.Host + "/dashboard/oauth/callback",
		Endpoint:    oauth2.Endpoint{AuthURL: base + "/oauth/authorize", TokenURL: base + "/oauth/token"},
	}
}

// oauthStart sends the browser to GitLab, remembering the state, the PKCE
// verifier and where to go after, for ten minutes.
func (s *Service) oauthStart(w http.ResponseWriter, r *http.Request) {
	if s.cfg.DashboardOAuthID == "" {
		http.Error(w, "the dashboard is off: set VIGIL_DASHBOARD_TOKEN (or a GitLab OAuth application)", http.StatusForbidden)
		return
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	state, verifier := hex.EncodeToString(b), oauth2.GenerateVerifier()
	next := base64.RawURLEncoding.EncodeToString([]byte(safeNext(r.URL.Query().Get("next"))))
	http.SetCookie(w, &http.Cookie{
		Name: oauthCookie, Value: state + "." + verifier + "." + next, Path: "/dashboard/oauth",
		MaxAge: 600, HttpOnly: true, Secure: secureRequest(r), SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, s.oauthConfig(r).AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)), http.StatusFound)
}

// oauthCallback finishes the sign-in GitLab sends back.
func (s *Service) oauthCallback(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(oauthCookie)
	http.SetCookie(w, &http.Cookie{Name: oauthCookie, Path: "/dashboard/oauth", MaxAge: -1, HttpOnly: true})
	var parts []string
	if err == nil {
		parts = strings.Split(c.Value, ".")
	}
	q := r.URL.Query()
	if s.cfg.DashboardOAuthID == "" || len(parts) != 3 || subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(parts[0])) != 1 {
		s.renderSignIn(w, http.StatusBadRequest, "", "The GitLab sign-in expired or was not started here; try again.")
		return
	}
	nextBytes, _ := base64.RawURLEncoding.DecodeString(parts[2])
	next := safeNext(string(nextBytes))
	if e := q.Get("error"); e != "" {
		s.renderSignIn(w, http.StatusUnauthorized, next, "GitLab did not sign you in ("+e+").")
		return
	}
	username, status, problem := s.oauthUser(r, q.Get("code"), parts[1])
	if problem != "" {
		s.renderSignIn(w, status, next, problem)
		return
	}
	s.startSession(w, r, "gitlab:"+username, next, true)
}

// oauthUser trades the code for a token, reads who signed in and checks
// their role in the dashboard project; a problem is said to the person.
func (s *Service) oauthUser(r *http.Request, code, verifier string) (username string, status int, problem string) {
	ctx, cancel := context.WithTimeout(r.Context(), oauthTimeout)
	defer cancel()
	ctx = context.WithValue(ctx, oauth2.HTTPClient, &http.Client{Timeout: oauthTimeout})
	tok, err := s.oauthConfig(r).Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		s.log.Warn("dashboard sign-in: code exchange", "err", err)
		return "", http.StatusUnauthorized, "GitLab refused the sign-in; try again."
	}
	gl, err := gitlab.NewOAuthClient(tok.AccessToken, gitlab.WithBaseURL(s.cfg.GitLabURL))
	if err != nil {
		return "", http.StatusInternalServerError, "The GitLab client could not be made."
	}
	u, _, err := gl.Users.CurrentUser(gitlab.WithContext(ctx))
	if err != nil {
		s.log.Warn("dashboard sign-in: read user", "err", err)
		return "", http.StatusBadGateway, "GitLab did not say who signed in; try again."
	}
	project := s.cfg.dashboardProject()
	m, resp, err := s.gl.ProjectMembers.GetInheritedProjectMember(project, u.ID, gitlab.WithContext(ctx))
	switch {
	case resp != nil && resp.StatusCode == http.StatusNotFound, err == nil && m.AccessLevel < gitlab.ReporterPermissions:
		s.log.Info("dashboard sign-in refused", "user", u.Username, "project", project)
		return "", http.StatusForbidden, fmt.Sprintf("%s is not a member of %s with the Reporter role or more.", u.Username, project)
	case err != nil:
		s.log.Warn("dashboard sign-in: check membership", "project", project, "err", err)
		return "", http.StatusServiceUnavailable, "GitLab did not say whether you may see the dashboard; try again."
	}
	return u.Username, 0, ""
}
