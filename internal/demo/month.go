package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gitlab.com/vigil-vm/vigil/bot"
	"gitlab.com/vigil-vm/vigil/internal/clock"
	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
)

// MonthDays is how long the scripted month runs.
const MonthDays = 31

// Ledger is the path of the bot's ledger a demo leaves in its work
// directory: `vigil report --data` reads it.
func Ledger(o Options) string { return filepath.Join(o.WorkDir, "bot.db") }

// MonthPeriod is the period a read-out of the scripted month covers when
// the demo ran at now (the month ends then): from midnight of its first day
// to midnight after its last, today.
func MonthPeriod(now time.Time) (since, until time.Time) {
	y, m, d := monthStart(now).Date()
	since = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return since, since.AddDate(0, 0, MonthDays+1)
}

// monthStart is the day the scripted month begins: far enough back that it
// ends today.
func monthStart(now time.Time) time.Time {
	y, m, d := now.UTC().AddDate(0, 0, -MonthDays).Date()
	return time.Date(y, m, d, 9, 0, 0, 0, time.UTC)
}

// world is what the scripted month acts on.
type world struct {
	gl        *gitlabdouble.Server
	svc       *bot.Service
	projectID int
	clock     *clock.Settable
	start     time.Time
	artifacts map[string][]byte
}

// month replays a month on the demo's first scan, through the real bot and
// the GitLab double, so the ledger's history is a month of the bot's own
// doing: a maintainer accepts a risk, a patch merge request is merged and
// its fix scanned, a person closes an issue that is still detected, a
// second fix ships, and the SLA sweep runs at the end.
func (w *world) month(ctx context.Context, progress func(string)) error {
	steps := []struct {
		day  int
		what string
		do   func(context.Context) error
	}{
		{2, "a maintainer accepts the risk of the least severe issue", w.acceptRisk},
		{5, "the first patch merge request is merged", w.mergeFirstMR},
		{9, "the next pipeline scans the patched image", func(ctx context.Context) error { return w.rescanWithout(ctx, 1) }},
		{16, "someone closes an issue that is still detected", w.closeDetected},
		{23, "another fix ships", func(ctx context.Context) error { return w.rescanWithout(ctx, 2) }},
		{MonthDays, "the SLA sweep runs", func(ctx context.Context) error { return w.svc.Sweep(ctx) }},
	}
	for _, s := range steps {
		w.clock.Set(w.start.AddDate(0, 0, s.day))
		progress(fmt.Sprintf("day %d: %s", s.day, s.what))
		if err := s.do(ctx); err != nil {
			return fmt.Errorf("scripted month, day %d: %w", s.day, err)
		}
		if _, err := settle(ctx, w.gl, w.svc, w.projectID, false); err != nil {
			return err
		}
	}
	return nil
}

func (w *world) openIssues() []gitlabdouble.Issue {
	var out []gitlabdouble.Issue
	for _, is := range w.gl.Issues(w.projectID) {
		if is.State == "opened" {
			out = append(out, is)
		}
	}
	return out
}

func (w *world) acceptRisk(context.Context) error {
	open := w.openIssues()
	if len(open) == 0 {
		return nil
	}
	// Issues are labeled severity::1 (critical) to severity::4: the last
	// in label order is the least severe.
	slices.SortFunc(open, func(a, b gitlabdouble.Issue) int { return strings.Compare(severityLabel(a), severityLabel(b)) })
	until := w.clock.Now().AddDate(0, 0, 40).Format(time.DateOnly)
	w.gl.AddNoteAs(maintainer, w.projectID, open[len(open)-1].IID, "/vigil accept-risk "+until+" compensating control in place; vendor fix expected")
	return nil
}

func severityLabel(is gitlabdouble.Issue) string {
	for _, l := range is.Labels {
		if strings.HasPrefix(l, "severity::") {
			return l
		}
	}
	return "severity::9"
}

func (w *world) mergeFirstMR(context.Context) error {
	for _, m := range w.gl.MergeRequests(w.projectID) {
		if m.State == "opened" {
			return w.gl.MergeMRAs(maintainer, w.projectID, m.IID)
		}
	}
	return nil
}

func (w *world) closeDetected(context.Context) error {
	if open := w.openIssues(); len(open) > 0 {
		w.gl.CloseIssueAs(maintainer, w.projectID, open[0].IID)
	}
	return nil
}

// rescanWithout runs the scan job again on an image that no longer has
// the first n vulnerable packages (in the order the report lists them).
func (w *world) rescanWithout(_ context.Context, n int) error {
	arts, err := withoutPackages(w.artifacts, n)
	if err != nil {
		return err
	}
	w.gl.FinishPipeline(w.projectID, gitlabdouble.PipelineSpec{Jobs: []gitlabdouble.JobSpec{{
		Name: "vigil-scan", Artifacts: arts,
		Reports: map[string]string{"container_scanning": "gl-container-scanning-report.json"},
	}}})
	return nil
}

// withoutPackages drops the findings of the first n packages of
// vigil-findings.json from it and from GitLab's container scanning report.
func withoutPackages(artifacts map[string][]byte, n int) (map[string][]byte, error) {
	var own struct {
		Findings []struct {
			Package struct{ Name string } `json:"package"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(artifacts["vigil-findings.json"], &own); err != nil {
		return nil, fmt.Errorf("read the demo's findings: %w", err)
	}
	var gone []string
	for _, f := range own.Findings {
		if len(gone) < n && !slices.Contains(gone, f.Package.Name) {
			gone = append(gone, f.Package.Name)
		}
	}
	out := map[string][]byte{}
	for name, b := range artifacts {
		out[name] = b
	}
	for name, list := range map[string]string{"vigil-findings.json": "findings", "gl-container-scanning-report.json": "vulnerabilities"} {
		b, err := dropFindings(artifacts[name], list, gone)
		if err != nil {
			return nil, fmt.Errorf("rewrite %s: %w", name, err)
		}
		out[name] = b
	}
	return out, nil
}

// dropFindings removes from doc's list the entries whose package is gone;
// vigil's findings name it at package.name, GitLab's at
// location.dependency.package.name.
func dropFindings(doc []byte, list string, gone []string) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		return nil, err
	}
	var items []json.RawMessage
	if err := json.Unmarshal(top[list], &items); err != nil {
		return nil, err
	}
	var kept []json.RawMessage
	for _, it := range items {
		var f struct {
			Package  struct{ Name string } `json:"package"`
			Location struct {
				Dependency struct {
					Package struct{ Name string } `json:"package"`
				} `json:"dependency"`
			} `json:"location"`
		}
		if err := json.Unmarshal(it, &f); err != nil {
			return nil, err
		}
		if !slices.Contains(gone, f.Package.Name) && !slices.Contains(gone, f.Location.Dependency.Package.Name) {
			kept = append(kept, it)
		}
	}
	if kept == nil {
		kept = []json.RawMessage{}
	}
	b, err := json.Marshal(kept)
	if err != nil {
		return nil, err
	}
	top[list] = b
	return json.Marshal(top)
}
