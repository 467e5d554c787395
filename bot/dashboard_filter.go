package bot

import (
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// dashboardWindow is the period the dashboard shows without since/until.
const dashboardWindow = 30 * 24 * time.Hour

// dashboardFilter is what the dashboard's query names: a period and a
// scope. Every field is optional.
type dashboardFilter struct {
	Group, Project, Tier string
	Severity             string // a severity name as the form sends it, "" for all
	sev                  findings.Severity
	Since, Until         time.Time // [Since, Until), UTC days
}

// parseDashboardFilter reads group, project, severity, tier, since and
// until (YYYY-MM-DD; until is inclusive) from the query; by default the
// last 30 days up to today.
func parseDashboardFilter(q url.Values, now time.Time) (dashboardFilter, error) {
	f := dashboardFilter{
		Group: strings.Trim(q.Get("group"), "/"), Project: strings.Trim(q.Get("project"), "/"),
		Tier: strings.TrimSpace(q.Get("tier")), Severity: strings.ToLower(strings.TrimSpace(q.Get("severity"))),
	}
	if f.Severity != "" {
		sev, err := findings.ParseSeverity(f.Severity)
		if err != nil {
			return f, fmt.Errorf("severity: %w", err)
		}
		f.sev = sev
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	f.Until, f.Since = today.AddDate(0, 0, 1), today.AddDate(0, 0, 1).Add(-dashboardWindow)
	if v := q.Get("until"); v != "" {
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return f, fmt.Errorf("until: want a date as YYYY-MM-DD, got %q", v)
		}
		f.Until = d.AddDate(0, 0, 1)
	}
	if v := q.Get("since"); v != "" {
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return f, fmt.Errorf("since: want a date as YYYY-MM-DD, got %q", v)
		}
		f.Since = d
	} else if q.Get("until") != "" {
		f.Since = f.Until.Add(-dashboardWindow)
	}
	if !f.Since.Before(f.Until) {
		return f, fmt.Errorf("since %s is after until %s", f.Since.Format(time.DateOnly), f.Until.AddDate(0, 0, -1).Format(time.DateOnly))
	}
	return f, nil
}

// SinceDay and UntilDay are the period as the form's date fields show it.
func (f dashboardFilter) SinceDay() string { return f.Since.Format(time.DateOnly) }
func (f dashboardFilter) UntilDay() string { return f.Until.AddDate(0, 0, -1).Format(time.DateOnly) }

// groupsOf lists every group above the projects (for acme/web/shop: acme
// and acme/web), sorted.
func groupsOf(projects []string) []string {
	var out []string
	for _, p := range projects {
		for dir := path.Dir(p); dir != "." && dir != "/"; dir = path.Dir(dir) {
			out = append(out, dir)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
