package gitlabdouble

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"time"
)

// GitLab as an OAuth 2 provider (https://docs.gitlab.com/api/oauth2/):
// applications with a client id, secret and redirect URI, the
// authorization-code flow with PKCE at /oauth/authorize and /oauth/token,
// and access tokens the API accepts as bearer tokens. A browser is signed
// in to the double's web UI by the control route /-/double/sign-in.

// sessionCookie is GitLab's web session cookie.
const sessionCookie = "_gitlab_session"

type oauthState struct {
	apps     map[string]*oauthApp   // client id → application
	codes    map[string]*oauthGrant // authorization code → grant
	sessions map[string]int         // web session → user id
}

type oauthApp struct{ id, secret, redirect string }

type oauthGrant struct {
	app, redirect, challenge string
	user                     int
	expires                  time.Time
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) oauthInit() {
	if s.oauth.apps == nil {
		s.oauth = oauthState{apps: map[string]*oauthApp{}, codes: map[string]*oauthGrant{}, sessions: map[string]int{}}
	}
}

// AddOAuthApplication registers an OAuth application, as an instance
// administrator does, and returns its client id and secret.
func (s *Server) AddOAuthApplication(redirectURI string) (clientID, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauthInit()
	app := &oauthApp{id: randomHex(32), secret: "gloas-" + randomHex(32), redirect: redirectURI}
	s.oauth.apps[app.id] = app
	return app.id, app.secret
}

func (s *Server) oauthRoutes() {
	s.mux.HandleFunc("GET /oauth/authorize", s.authorize)
	s.mux.HandleFunc("POST /oauth/token", s.issueToken)
	// Loopback control: sign the browser in as a user (the double has no
	// sign-in form), then go to next, a path on the double.
	s.mux.HandleFunc("GET /-/double/sign-in", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.oauthInit()
		for _, u := range s.users {
			if u.Username == r.URL.Query().Get("as") {
				sid := randomHex(16)
				s.oauth.sessions[sid] = u.ID
				http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sid, Path: "/", HttpOnly: true})
				next := r.URL.Query().Get("next")
				if next == "" || next[0] != '/' || len(next) > 1 && next[1] == '/' {
					next = "/"
				}
				http.Redirect(w, r, next, http.StatusFound)
				return
			}
		}
		http.Error(w, "no such user", http.StatusNotFound)
	})
}

// authorize is the consent step, granted at once for a signed-in user (as
// for an application the user authorized before): back to the redirect
// URI with a code, or GitLab's error page for a bad client or redirect.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauthInit()
	q := r.URL.Query()
	app := s.oauth.apps[q.Get("client_id")]
	switch {
	case app == nil:
		http.Error(w, "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.", http.StatusUnauthorized)
		return
	case q.Get("redirect_uri") != app.redirect:
		http.Error(w, "The redirect URI included is not valid.", http.StatusBadRequest)
		return
	}
	back, _ := url.Parse(app.redirect)
	v := back.Query()
	if st := q.Get("state"); st != "" {
		v.Set("state", st)
	}
	c, err := r.Cookie(sessionCookie)
	uid, signedIn := 0, false
	if err == nil {
		uid, signedIn = s.oauth.sessions[c.Value]
	}
	switch {
	case q.Get("response_type") != "code":
		v.Set("error", "unsupported_response_type")
	case !signedIn: // GitLab shows its sign-in form; the double has none
		http.Error(w, "You need to sign in or sign up before continuing.", http.StatusUnauthorized)
		return
	case q.Get("code_challenge") != "" && q.Get("code_challenge_method") != "S256":
		v.Set("error", "invalid_request")
	default:
		code := randomHex(32)
		s.oauth.codes[code] = &oauthGrant{app: app.id, redirect: app.redirect, challenge: q.Get("code_challenge"), user: uid, expires: s.now().Add(10 * time.Minute)}
		v.Set("code", code)
	}
	back.RawQuery = v.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// issueToken trades an authorization code for an access token the API
// accepts; a code works once.
func (s *Server) issueToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauthInit()
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	app := s.oauth.apps[id]
	if app == nil || subtle.ConstantTimeCompare([]byte(secret), []byte(app.secret)) != 1 {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method."})
		return
	}
	code := r.PostForm.Get("code")
	g := s.oauth.codes[code]
	delete(s.oauth.codes, code)
	invalid := r.PostForm.Get("grant_type") != "authorization_code" || g == nil || g.app != app.id ||
		r.PostForm.Get("redirect_uri") != g.redirect || s.now().After(g.expires)
	if !invalid && g.challenge != "" {
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		invalid = base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge
	}
	if invalid {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."})
		return
	}
	tok := randomHex(32)
	s.tokens[tok] = g.user
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok, "token_type": "Bearer", "expires_in": 7200, "refresh_token": randomHex(32),
		"scope": "read_user", "created_at": s.now().Unix(),
	})
}
