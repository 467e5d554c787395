package gitlabdouble

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"
	"golang.org/x/oauth2"
)

// The authorization-code flow with PKCE, driven by golang.org/x/oauth2 and
// a browser-like client: the token reads /user through client-go; a code
// works once; a wrong verifier or secret gets nothing.
func TestOAuthAuthorizationCode(t *testing.T) {
	f := newFixture(t, nil)
	alice, _ := f.srv.AddUser("alice", NoAccess)
	const redirect = "http://vigil.example/dashboard/oauth/callback"
	id, secret := f.srv.AddOAuthApplication(redirect)
	conf := &oauth2.Config{ClientID: id, ClientSecret: secret, RedirectURL: redirect, Scopes: []string{"read_user"},
		Endpoint: oauth2.Endpoint{AuthURL: f.srv.URL() + "/oauth/authorize", TokenURL: f.srv.URL() + "/oauth/token"}}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Host == "vigil.example" {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	authorize := func(verifier string) url.Values {
		t.Helper()
		resp, err := browser.Get(conf.AuthCodeURL("st4te", oauth2.S256ChallengeOption(verifier)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || resp.StatusCode != http.StatusFound {
			t.Fatalf("authorize: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		return loc.Query()
	}
	if resp, err := browser.Get(conf.AuthCodeURL("st4te")); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a browser not signed in: %v %v, want 401", resp.StatusCode, err)
	}
	if resp, err := browser.Get(f.srv.URL() + "/-/double/sign-in?as=alice"); err != nil || resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNotFound {
		t.Fatalf("sign in: %v", err)
	}
	verifier := oauth2.GenerateVerifier()
	q := authorize(verifier)
	if q.Get("state") != "st4te" || q.Get("code") == "" {
		t.Fatalf("back to the application with %v", q)
	}
	ctx := context.Background()
	if _, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption("wrong-verifier-"+verifier)); err == nil {
		t.Error("a wrong verifier got a token")
	}
	q = authorize(verifier)
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier)); err == nil {
		t.Error("a code worked twice")
	}
	c, err := gitlab.NewOAuthClient(tok.AccessToken, gitlab.WithBaseURL(f.srv.APIURL()))
	if err != nil {
		t.Fatal(err)
	}
	u, _, err := c.Users.CurrentUser()
	if err != nil || int(u.ID) != alice.ID {
		t.Errorf("/user with the OAuth token: %+v, %v; want alice", u, err)
	}
	bad := *conf
	bad.ClientSecret = "nope"
	if _, err := bad.Exchange(ctx, authorize(verifier).Get("code"), oauth2.VerifierOption(verifier)); err == nil {
		t.Error("a wrong client secret got a token")
	}
	if resp, err := browser.Get(f.srv.URL() + "/oauth/authorize?client_id=" + id + "&response_type=code&redirect_uri=http://evil.example/"); err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("another redirect URI: %v %v, want 400", resp.StatusCode, err)
	}
}
