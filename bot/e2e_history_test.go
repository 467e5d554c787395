package bot

import (
	"context"
	"slices"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/readout"
)

// Every state change the bot makes is an event of the ledger's history,
// and the read-out's numbers come from it.
func TestHistoryRecordsEveryStateChange(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.start(nil)
	w.scan(report("sha256:aaaa", xText, zlib)) // Nov 02: High and Critical, both due Dec 02
	textIID, zlibIID := w.issue(textTitle).IID, w.issue("CVE-2023-45853 in zlib1g 1:1.2.13.dfsg-1").IID

	w.gl.CloseIssueAs("alice", w.project.ID, textIID) // still detected: reopened as a deviation
	w.settle()
	w.gl.AddNoteAs("alice", w.project.ID, zlibIID, "/vigil accept-risk 2026-11-12 vendor fix due")
	w.settle()
	w.clock.Add(10 * 24 * time.Hour) // Nov 12: the text fix ships, zlib's acceptance has ended
	w.scan(report("sha256:bbbb", zlib))
	w.clock.Add(31 * 24 * time.Hour) // Dec 13: zlib's SLA restarted Nov 12, due Dec 12: breached
	w.sweep()

	byGroup := map[string][]ledger.EventKind{}
	for e, err := range w.bot.ledger.Events(context.Background(), time.Time{}) {
		if err != nil {
			t.Fatal(err)
		}
		byGroup[e.Group] = append(byGroup[e.Group], e.Kind)
	}
	text, err := w.bot.ledger.IssueByIID(context.Background(), int64(w.project.ID), int64(textIID))
	if err != nil {
		t.Fatal(err)
	}
	zl, err := w.bot.ledger.IssueByIID(context.Background(), int64(w.project.ID), int64(zlibIID))
	if err != nil {
		t.Fatal(err)
	}
	wantText := []ledger.EventKind{ledger.EventDetected, ledger.EventIssueOpened, ledger.EventClosedByPerson,
		ledger.EventReopened, ledger.EventResolved, ledger.EventClosedByBot}
	if got := byGroup[text.Group]; !slices.Equal(got, wantText) {
		t.Errorf("text history = %v, want %v", got, wantText)
	}
	wantZlib := []ledger.EventKind{ledger.EventDetected, ledger.EventIssueOpened, ledger.EventExceptionGranted,
		ledger.EventExceptionExpired, ledger.EventDueChanged, ledger.EventBreached}
	if got := byGroup[zl.Group]; !slices.Equal(got, wantZlib) {
		t.Errorf("zlib history = %v, want %v", got, wantZlib)
	}

	// November 1 to December 14: both detected; the text finding fixed
	// after exactly 10 days, before its due date; zlib open and past due.
	r, err := readout.FromLedger(context.Background(), w.bot.ledger, readout.Options{
		Since: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 12, 14, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	h := r.Headline
	if h.New != 2 || h.Fixed != 1 || h.Open != 1 || h.PastDue != 1 || h.Compliance != (readout.Compliance{Resolved: 1, WithinSLA: 1, Ratio: 1}) || h.MTTR.MeanDays != 10 {
		t.Errorf("headline = %+v", h)
	}
}
