package bot

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/readout"
	"gitlab.com/vigil-vm/vigil/internal/browsertest"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// A person opens the dashboard in Chromium: refused until signed in, then
// the numbers and rendered charts of a scripted month; the filters change
// the numbers; each number links to the GitLab issues it counts.
func TestDashboardInBrowser(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	cfg := w.config()
	cfg.DashboardToken = dashboardToken
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	w.clock.Set(start.AddDate(0, 1, 0).Add(8 * time.Hour))
	w.start(cfg)
	script := scriptHistory(t, w.bot.ledger, start)
	until := start.AddDate(0, 1, 0)
	srv := httptest.NewServer(w.bot.Handler())
	defer srv.Close()
	b := browsertest.New(t)

	page := srv.URL + "/dashboard?since=2026-11-01&until=2026-11-30"
	if status := b.Navigate(page); status != http.StatusUnauthorized || b.Count("#n-open") != 0 || b.Count(`input[name="token"]`) != 1 {
		t.Fatalf("without the token: status %d, numbers %d; want 401 and the sign-in form only", status, b.Count("#n-open"))
	}
	b.Submit(`input[name="token"]`, dashboardToken)
	if loc := b.Location(); loc != page {
		t.Fatalf("after sign-in at %s, want %s", loc, page)
	}
	for _, name := range []string{readout.ChartNewVsFixed, readout.ChartOpenBySeverity, readout.ChartMTTR, readout.ChartCompliance} {
		sel := "#c-" + name + " svg"
		marks := browsertest.Evaluate[int](b, `document.querySelectorAll("`+sel+` path, `+sel+` rect").length`)
		width := browsertest.Evaluate[float64](b, `document.querySelector("`+sel+`").getBoundingClientRect().width`)
		if marks == 0 || width < 100 {
			t.Errorf("chart %s: %d marks, %v px wide; want a drawn chart", name, marks, width)
		}
	}
	all := countOpen(script, until, func(scriptedFinding) bool { return true })
	if got := number(t, b, "open"); got != all {
		t.Errorf("open = %d, want %d from the script", got, all)
	}

	if n, text := b.Count("#exceptions tbody tr"), b.Text("#exceptions tbody"); n != 1 || !strings.Contains(text, "ops/infra") || !strings.Contains(text, "alice") {
		t.Errorf("exceptions table: %d rows %q; want the script's accepted risk in ops/infra", n, text)
	}
	if n := b.Count("#groups tbody tr"); n != 3 {
		t.Errorf("by-group table: %d rows, want acme, acme/web and ops", n)
	}

	// The severity filter, through the form as a person uses it.
	b.Follow(`document.querySelector('select[name="severity"]').value = "critical"; document.getElementById("filters").submit()`)
	critical := countOpen(script, until, func(f scriptedFinding) bool { return f.severity == findings.Critical })
	if got := number(t, b, "open"); got != critical || critical == 0 || critical == all {
		t.Errorf("critical open = %d, want %d (of %d)", got, critical, all)
	}
	link := browsertest.Evaluate[string](b, `document.querySelector("#n-past-due").href`)
	if u, _ := url.Parse(link); !strings.HasPrefix(link, w.gl.URL()+"/dashboard/issues?") ||
		!contains(u.Query()["label_name[]"], "severity::1") || !contains(u.Query()["label_name[]"], "SLA::Breached") {
		t.Errorf("past-due link %s: want GitLab's issue list with severity::1 and SLA::Breached", link)
	}

	// Project and tier filters, from the query.
	for _, tc := range []struct {
		query string
		match func(scriptedFinding) bool
		path  string
	}{
		{"project=acme/api", func(f scriptedFinding) bool { return f.project.path == "acme/api" }, "/acme/api/-/issues"},
		{"group=acme", func(f scriptedFinding) bool { return strings.HasPrefix(f.project.path, "acme/") }, "/groups/acme/-/issues"},
		{"tier=staging", func(f scriptedFinding) bool { return f.project.tier == "staging" }, "/dashboard/issues"},
	} {
		b.Navigate(page + "&" + tc.query)
		want := countOpen(script, until, tc.match)
		if got := number(t, b, "open"); got != want || want == all {
			t.Errorf("%s: open = %d, want %d (of %d)", tc.query, got, want, all)
		}
		if link := browsertest.Evaluate[string](b, `document.querySelector("#n-open").href`); !strings.HasPrefix(link, w.gl.URL()+tc.path+"?") {
			t.Errorf("%s: open links to %s, want %s", tc.query, link, tc.path)
		}
	}

	// Signed out, the page is refused again.
	b.Follow(`document.querySelector('form[action="/dashboard/sign-out"]').submit()`)
	if status := b.Navigate(page); status != http.StatusUnauthorized {
		t.Errorf("after sign-out: status %d, want 401", status)
	}
}

// number reads a headline number of the dashboard.
func number(t *testing.T, b *browsertest.Browser, id string) int {
	t.Helper()
	s := b.Text("#n-" + id + " .value")
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		t.Fatalf("number %s = %q", id, s)
	}
	return n
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
