package bot

import (
	"net/url"
	"slices"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/sla"
)

// Each link is GitLab's issue list of the scope, with the bot's labels.
func TestIssueSearchLinks(t *testing.T) {
	q := issueSearch{base: "https://gitlab.example", labels: sla.Default().Labels, mrLabel: "vigil"}
	for _, tc := range []struct {
		name, got, path string
		labels          []string
		state           string
	}{
		{"everything open", q.issues("opened"), "/dashboard/issues", []string{"security", "bug::vulnerability"}, "opened"},
		{"group past due", q.in("acme/web", false).issues("opened", "SLA::Breached"), "/groups/acme/web/-/issues",
			[]string{"security", "bug::vulnerability", "SLA::Breached"}, "opened"},
		{"project critical", q.in("acme/web shop", true).severityClass("critical").issues("closed"), "/acme/web%20shop/-/issues",
			[]string{"security", "bug::vulnerability", "severity::1"}, "closed"},
		{"merge requests", q.in("acme", false).mergeRequests("all"), "/groups/acme/-/merge_requests", []string{"vigil"}, "all"},
	} {
		u, err := url.Parse(tc.got)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if u.Host != "gitlab.example" || u.EscapedPath() != tc.path || u.Query().Get("state") != tc.state || !slices.Equal(u.Query()["label_name[]"], tc.labels) {
			t.Errorf("%s: %s; want path %s state %s labels %v", tc.name, tc.got, tc.path, tc.state, tc.labels)
		}
	}
	since, until := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	u, _ := url.Parse(q.created(since, until))
	if u.Query().Get("created_after") != "2026-11-01" || u.Query().Get("created_before") != "2026-12-01" || u.Query().Get("state") != "all" {
		t.Errorf("created: %s", u)
	}
}

// The filter reads the form; bad values are named.
func TestParseDashboardFilter(t *testing.T) {
	now := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)
	f, err := parseDashboardFilter(url.Values{}, now)
	if err != nil || f.SinceDay() != "2026-11-03" || f.UntilDay() != "2026-12-02" {
		t.Errorf("default: %s to %s, %v", f.SinceDay(), f.UntilDay(), err)
	}
	f, err = parseDashboardFilter(url.Values{"severity": {"Critical"}, "group": {"/acme/"}, "since": {"2026-11-01"}, "until": {"2026-11-30"}}, now)
	if err != nil || f.Group != "acme" || f.Severity != "critical" || !f.Until.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("filter %+v, %v", f, err)
	}
	for _, bad := range []url.Values{{"severity": {"urgent"}}, {"since": {"yesterday"}}, {"since": {"2026-12-01"}, "until": {"2026-11-01"}}} {
		if _, err := parseDashboardFilter(bad, now); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
	if got := groupsOf([]string{"acme/web/shop", "acme/api", "solo"}); !slices.Equal(got, []string{"acme", "acme/web"}) {
		t.Errorf("groupsOf = %v", got)
	}
}
