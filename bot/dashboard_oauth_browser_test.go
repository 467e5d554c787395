package bot

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/browsertest"
	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
)

// Signing in with GitLab, in Chromium: a Reporter of the dashboard project
// gets the dashboard; a GitLab user who is not a member is refused.
func TestDashboardGitLabSignInBrowser(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	carol, _ := w.gl.AddUser("carol", gitlabdouble.NoAccess)
	w.gl.AddUser("mallory", gitlabdouble.NoAccess)
	w.gl.AddProject(gitlabdouble.ProjectSpec{Path: "vm/readouts", Members: map[int]gitlabdouble.AccessLevel{carol.ID: gitlabdouble.Reporter}})
	var handler http.Handler = http.NotFoundHandler()
	front := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { handler.ServeHTTP(rw, r) }))
	defer front.Close()
	cfg := w.config()
	cfg.DashboardOAuthID, cfg.DashboardOAuthSecret = w.gl.AddOAuthApplication(front.URL + "/dashboard/oauth/callback")
	cfg.DashboardProject = "vm/readouts"
	w.start(cfg)
	handler = w.bot.Handler()
	b := browsertest.New(t)

	page := front.URL + "/dashboard?severity=high"
	b.Navigate(w.gl.URL() + "/-/double/sign-in?as=mallory")
	if status := b.Navigate(page); status != http.StatusUnauthorized || b.Count("#gitlab-sign-in") != 1 || b.Count(`input[name="token"]`) != 0 {
		t.Fatalf("before sign-in: status %d; want 401 offering GitLab only", status)
	}
	b.Follow(`document.getElementById("gitlab-sign-in").click()`)
	if got := b.Text("#problem"); !strings.Contains(got, "mallory is not a member of vm/readouts") || b.Count("#n-open") != 0 {
		t.Errorf("a non-member: %q at %s, want refused", got, b.Location())
	}

	b.Navigate(w.gl.URL() + "/-/double/sign-in?as=carol")
	b.Navigate(page)
	b.Follow(`document.getElementById("gitlab-sign-in").click()`)
	waitLocation(t, b, page) // the page after GitLab steps on to the dashboard itself
	if b.Count("#n-open") != 1 || b.Count("#c-open-by-severity svg") != 1 {
		t.Errorf("carol at %s sees no dashboard", b.Location())
	}
}

func waitLocation(t *testing.T, b *browsertest.Browser, want string) {
	t.Helper()
	for range 100 {
		if b.Location() == want && b.Count("body") == 1 && browsertest.Evaluate[string](b, "document.readyState") == "complete" {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("at %s, want %s", b.Location(), want)
}
