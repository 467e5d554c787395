package bot

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// scriptedProject is a project of the scripted history.
type scriptedProject struct {
	id   int64
	path string
	tier string
}

var scriptedProjects = []scriptedProject{
	{1, "acme/web/shop", "production"},
	{2, "acme/api", "production"},
	{3, "ops/infra", "staging"},
}

// scriptedFinding is one finding of the scripted history and its fate.
type scriptedFinding struct {
	project  scriptedProject
	severity findings.Severity
	detected time.Time
	due      time.Time
	resolved time.Time // zero: still open
}

// open reports whether the finding is open at t.
func (f scriptedFinding) open(t time.Time) bool {
	return f.detected.Before(t) && (f.resolved.IsZero() || !f.resolved.Before(t))
}

// scriptHistory writes a month of history ([start, start+1 month)) into
// the ledger as the bot records it: 42 findings over three projects and
// two tiers, detected through the month (a few the month before), some
// fixed within their SLA, some late, some still open and past due; an
// accepted risk; patch merge requests opened and merged. It returns the
// findings, so tests count what they expect from the script itself.
func scriptHistory(t *testing.T, l *ledger.Ledger, start time.Time) []scriptedFinding {
	t.Helper()
	sevs := []findings.Severity{findings.Critical, findings.High, findings.High, findings.Medium, findings.Medium, findings.Low, findings.Unknown}
	slaDays := map[findings.Severity]int{findings.Critical: 30, findings.High: 30, findings.Medium: 90}
	var out []scriptedFinding
	var evs []ledger.Event
	for i := range 42 {
		p := scriptedProjects[i%len(scriptedProjects)]
		sev := sevs[i%len(sevs)]
		detected := start.AddDate(0, 0, i%28).Add(9 * time.Hour)
		early := i%5 == 0
		if early { // found the month before: older, and some of them past due by now
			detected = detected.AddDate(0, 0, -45)
		}
		days, ok := slaDays[sev]
		if !ok {
			days = 180
		}
		f := scriptedFinding{project: p, severity: sev, detected: detected, due: detected.AddDate(0, 0, days)}
		switch {
		case early && i%2 == 1: // its clock started the month before: fixed three days late
			f.resolved = f.due.AddDate(0, 0, 3)
		case i%4 == 0: // fixed quickly, within the SLA
			f.resolved = detected.Add(time.Duration(2+i%5) * 24 * time.Hour)
		}
		if !f.resolved.IsZero() && !f.resolved.Before(start.AddDate(0, 1, 0)) {
			f.resolved = time.Time{} // not yet
		}
		out = append(out, f)
		fp, group := fmt.Sprintf("fp-%02d", i), fmt.Sprintf("group-%02d", i)
		ev := ledger.Event{Fingerprint: fp, Group: group, ProjectID: p.id, ProjectPath: p.path, Tier: p.tier, Severity: sev, Due: f.due, Actor: ledger.ActorBot}
		opened := ev
		opened.Kind, opened.At, opened.Fingerprint = ledger.EventIssueOpened, detected, ""
		detect := ev
		detect.Kind, detect.At = ledger.EventDetected, detected
		evs = append(evs, detect, opened)
		if !f.resolved.IsZero() {
			fix := ev
			fix.Kind, fix.At, fix.Actor = ledger.EventResolved, f.resolved, "scan"
			evs = append(evs, fix)
		}
	}
	// An accepted risk on a still-open finding's issue, ending in 20 days.
	evs = append(evs, ledger.Event{Kind: ledger.EventExceptionGranted, At: start.AddDate(0, 0, 10), Group: "group-02",
		ProjectID: 3, ProjectPath: "ops/infra", Actor: "alice", Detail: string(findings.AcceptedRisk), Expires: start.AddDate(0, 1, 20)})
	for i := range 4 {
		p := scriptedProjects[i%2]
		at := start.AddDate(0, 0, 3+5*i)
		evs = append(evs, ledger.Event{Kind: ledger.EventPatchOpened, At: at, ProjectID: p.id, ProjectPath: p.path, MR: int64(i + 1), Actor: ledger.ActorBot})
		if i < 3 {
			evs = append(evs, ledger.Event{Kind: ledger.EventPatchMerged, At: at.Add(30 * time.Hour), ProjectID: p.id, ProjectPath: p.path, MR: int64(i + 1), Actor: "alice"})
		}
	}
	if err := l.RecordEvents(context.Background(), evs...); err != nil {
		t.Fatal(err)
	}
	return out
}

// countOpen counts the script's findings open at t that match.
func countOpen(fs []scriptedFinding, t time.Time, match func(scriptedFinding) bool) int {
	n := 0
	for _, f := range fs {
		if f.open(t) && match(f) {
			n++
		}
	}
	return n
}
