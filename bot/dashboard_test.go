package bot

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Names from outside (project paths, tiers) are text on the page, never
// markup; a bad filter is named, not guessed.
func TestDashboardEscapesAndRefusesBadFilters(t *testing.T) {
	w := newWorld(t)
	cfg := w.config()
	cfg.DashboardToken = dashboardToken
	w.start(cfg)
	evil := `acme/<script>alert(1)</script>`
	at := w.clock.Now().Add(-48 * time.Hour)
	err := w.bot.ledger.RecordEvents(context.Background(), ledger.Event{
		Kind: ledger.EventDetected, At: at, Fingerprint: "fp", Group: "g", ProjectID: 9, ProjectPath: evil,
		Tier: `"><img src=x onerror=alert(2)>`, Severity: findings.High, Due: at.AddDate(0, 0, 1),
	})
	if err != nil {
		t.Fatal(err)
	}
	get := func(query string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/dashboard"+query, nil)
		r.Header.Set("Authorization", "Bearer "+dashboardToken)
		return serve(w.bot, r)
	}
	rec := get("")
	body := rec.Body.String()
	if rec.Code != http.StatusOK || strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
		t.Fatalf("status %d; outside text rendered as markup:\n%s", rec.Code, body)
	}
	if !strings.Contains(body, "acme/&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the project's path is not shown as text")
	}
	for query, want := range map[string]string{
		"?severity=urgent":                   "severity",
		"?since=last-week":                   "since",
		"?since=2026-12-01&until=2026-11-01": "after until",
		"?group=acme&until=2026-13-40":       "until",
	} {
		if rec := get(query); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("%s: %d %q; want 400 naming %s", query, rec.Code, rec.Body.String(), want)
		}
	}
}
