package bot

import (
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

func TestChangesAreOneEditAndDueDatesOnlyMoveEarlier(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	w.start(nil)
	low := medium
	low.Vulnerability.Severity = findings.Low
	w.scan(report("sha256:aaaa", low)) // 180 days
	const title = "CVE-2023-4039 in libgcc-s1 12.2.0-14"
	first := w.clock.Now()
	if is := w.issue(title); is.DueDate.String() != first.AddDate(0, 0, 180).Format(time.DateOnly) {
		t.Fatalf("low due %s", is.DueDate)
	}
	steps := []struct {
		name   string
		change func(f findings.Finding) findings.Finding
		due    string
		label  string
	}{
		{"severity raised to high", func(f findings.Finding) findings.Finding {
			f.Vulnerability.Severity = findings.High
			return f
		}, first.AddDate(0, 0, 30).Format(time.DateOnly), "severity::2"},
		{"fix becomes available", func(f findings.Finding) findings.Finding {
			f.Vulnerability.Severity = findings.High
			f.Fix = findings.Fix{State: findings.FixAvailable, Versions: []string{"12.2.0-15"}}
			return f
		}, first.AddDate(0, 0, 30).Format(time.DateOnly), "Vulnerability::Vendor Package::Fix Available"},
		{"severity lowered: due date stays", func(f findings.Finding) findings.Finding {
			f.Vulnerability.Severity = findings.Medium
			f.Fix = findings.Fix{State: findings.FixAvailable, Versions: []string{"12.2.0-15"}}
			return f
		}, first.AddDate(0, 0, 30).Format(time.DateOnly), "severity::3"},
	}
	for _, st := range steps {
		w.clock.Add(24 * time.Hour)
		w.gl.ResetCalls()
		w.scan(report("sha256:bbbb", st.change(low)))
		is := w.issue(title)
		if is.DueDate.String() != st.due || !hasLabel(is, st.label) {
			t.Errorf("%s: due %s labels %q; want due %s and %s", st.name, is.DueDate, is.Labels, st.due, st.label)
		}
		var edits int
		for _, c := range w.gl.Writes() {
			if c.Route == "PUT /projects/:id/issues/:issue_iid" {
				edits++
			}
		}
		if edits != 1 {
			t.Errorf("%s: %d issue edits, want 1:\n%s", st.name, edits, writesSummary(w.gl.Writes()))
		}
	}
}
