package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
)

func (w *world) sweep() {
	w.t.Helper()
	if err := w.bot.Sweep(context.Background()); err != nil {
		w.t.Fatal(err)
	}
	w.settle()
}

func TestClosedWhileDetectedIsReopenedUnlessRiskAccepted(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	w.start(nil)
	w.scan(report("sha256:aaaa", xText, zlib))
	const title = "CVE-2022-32149 in golang.org/x/text 0.3.5"
	iid := w.issue(title).IID

	// A person closes it while the scan still finds it: process deviation.
	w.gl.CloseIssueAs("alice", w.project.ID, iid)
	w.settle()
	is := w.issue(title)
	if is.State != "opened" || !hasLabel(is, "Vulnerability Management::Process Deviation") {
		t.Fatalf("after close by a person: state %s labels %q", is.State, is.Labels)
	}
	notes := w.userNotes(iid)
	if len(notes) != 1 || !strings.Contains(notes[0], "@alice closed this issue while it is still detected") {
		t.Fatalf("deviation notes = %q", notes)
	}

	// A developer may not accept the risk (maintainer is required).
	w.gl.AddNoteAs("dev", w.project.ID, iid, "/vigil accept-risk 2026-11-20 looks fine to me")
	w.settle()
	if is := w.issue(title); hasLabel(is, "Vulnerability Management::Accepted Risk") {
		t.Fatal("a developer recorded an exception")
	}
	if notes := w.userNotes(iid); !strings.Contains(notes[len(notes)-1], "at least the maintainer role") {
		t.Errorf("refusal reply = %q", notes[len(notes)-1])
	}
	// A malformed command from a maintainer gets a reply and changes nothing.
	w.gl.AddNoteAs("alice", w.project.ID, iid, "/vigil accept-risk soon")
	w.settle()
	if notes := w.userNotes(iid); !strings.Contains(notes[len(notes)-1], "expiry date as YYYY-MM-DD") {
		t.Errorf("malformed command reply = %q", notes[len(notes)-1])
	}

	// A maintainer accepts the risk for ten days; closing is then respected.
	w.gl.AddNoteAs("alice", w.project.ID, iid, "Vendor fix lands next sprint.\n/vigil accept-risk 2026-11-12 fix scheduled in sprint 48")
	w.settle()
	is = w.issue(title)
	if !hasLabel(is, "Vulnerability Management::Accepted Risk") {
		t.Fatalf("accepted risk not labeled: %q", is.Labels)
	}
	if notes := w.userNotes(iid); !strings.Contains(notes[len(notes)-1], "Risk accepted by @alice until 2026-11-12") {
		t.Errorf("ack = %q", notes[len(notes)-1])
	}
	w.gl.CloseIssueAs("alice", w.project.ID, iid)
	w.settle()
	w.clock.Add(5 * 24 * time.Hour)
	w.scan(report("sha256:bbbb", xText, zlib))
	w.sweep()
	if is := w.issue(title); is.State != "closed" {
		t.Fatalf("issue under accepted risk was %s", is.State)
	}

	// After expiry the sweep reopens it and the SLA restarts from that day.
	w.clock.Add(6 * 24 * time.Hour) // 2026-11-13
	w.sweep()
	is = w.issue(title)
	if is.State != "opened" || hasLabel(is, "Vulnerability Management::Accepted Risk") {
		t.Fatalf("after expiry: state %s labels %q", is.State, is.Labels)
	}
	wantDue := w.clock.Now().AddDate(0, 0, 30).Format(time.DateOnly)
	if is.DueDate == nil || is.DueDate.String() != wantDue {
		t.Errorf("restarted SLA due %v, want %s", is.DueDate, wantDue)
	}
	notes = w.userNotes(iid)
	if !strings.Contains(strings.Join(notes, "\n"), "expired on 2026-11-12") {
		t.Errorf("no expiry note in %q", notes)
	}

	// Revoking a false-positive mark makes the bot track the issue again.
	w.gl.AddNoteAs("alice", w.project.ID, iid, "/vigil false-positive the binary never calls the vulnerable function")
	w.settle()
	if is := w.issue(title); !hasLabel(is, "Vulnerability Management::False Positive") {
		t.Fatalf("false positive not labeled: %q", is.Labels)
	}
	w.gl.AddNoteAs("alice", w.project.ID, iid, "/vigil revoke")
	w.settle()
	if is := w.issue(title); hasLabel(is, "Vulnerability Management::False Positive") || is.State != "opened" {
		t.Fatalf("after revoke: state %s labels %q", is.State, is.Labels)
	}
}

func TestSLASweepLabelsAndRemindsOncePerStage(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	cfg := w.config()
	w.start(cfg)
	w.scan(report("sha256:aaaa", medium)) // 90 days
	const title = "CVE-2023-4039 in libgcc-s1 12.2.0-14"
	is := w.issue(title)
	if is.DueDate == nil || is.DueDate.String() != "2027-01-31" {
		t.Fatalf("due %v, want 2027-01-31", is.DueDate)
	}
	stage := func() (near, breached bool, reminders int) {
		is := w.issue(title)
		return hasLabel(is, "SLA::Near Breach"), hasLabel(is, "SLA::Breached"), len(w.userNotes(is.IID))
	}
	w.sweep()
	if near, breached, n := stage(); near || breached || n != 0 {
		t.Fatalf("in time: near %v breached %v reminders %d", near, breached, n)
	}
	w.clock.Add(77 * 24 * time.Hour) // 2027-01-18: 13 days left
	w.sweep()
	w.sweep()
	if near, breached, n := stage(); !near || breached || n != 1 {
		t.Fatalf("near breach: near %v breached %v reminders %d", near, breached, n)
	}
	w.clock.Add(14 * 24 * time.Hour) // 2027-02-01: one day late
	w.gl.ResetCalls()
	w.sweep()
	w.sweep()
	w.sweep()
	if near, breached, n := stage(); near || !breached || n != 2 {
		t.Fatalf("breached: near %v breached %v reminders %d", near, breached, n)
	}
	var issueWrites []gitlabdouble.Call
	for _, c := range w.gl.Writes() {
		if strings.Contains(c.Path, "/issues/") {
			issueWrites = append(issueWrites, c)
		}
	}
	if len(issueWrites) != 2 {
		t.Errorf("three sweeps after the breach wrote %d times to the issue, want 2 (one edit, one reminder):\n%s", len(issueWrites), writesSummary(issueWrites))
	}
	notes := w.userNotes(is.IID)
	if !strings.Contains(notes[0], "near breach") || !strings.Contains(notes[1], "SLA breached") {
		t.Errorf("reminders = %q", notes)
	}
	if m := w.metrics(); !strings.Contains(m, "vigil_bot_sla_breaches 1") || !strings.Contains(m, `vigil_bot_open_findings{severity="Medium"} 1`) {
		t.Errorf("metrics:\n%s", grep(m, "vigil_bot_"))
	}
}

func TestPeriodicSweepRunsWithoutBeingAsked(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	cfg := w.config()
	cfg.SweepInterval = 100 * time.Millisecond
	w.start(cfg)
	w.scan(report("sha256:aaaa", medium))
	const title = "CVE-2023-4039 in libgcc-s1 12.2.0-14"
	w.clock.Add(100 * 24 * time.Hour) // past the 90-day due date
	deadline := time.Now().Add(10 * time.Second)
	for !hasLabel(w.issue(title), "SLA::Breached") {
		if time.Now().After(deadline) {
			t.Fatalf("no periodic sweep: labels %q", w.issue(title).Labels)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // several more sweeps
	w.settle()
	if n := len(w.userNotes(w.issue(title).IID)); n != 1 {
		t.Errorf("%d reminder notes after repeated sweeps, want 1", n)
	}
}
