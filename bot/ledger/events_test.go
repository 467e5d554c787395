package ledger

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// A ledger kept before the history existed gets a starting one: each
// finding detected at its first sighting, a resolved one resolved at its
// last, an exception in force granted.
func TestMigrationDerivesStartingHistory(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vigil.db")
	l := openAt(t, path, 10) // the ledger as it was before migration 011
	jan, feb, mar := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	if err := l.Tx(ctx, func(tx *sql.Tx) error {
		for _, f := range []Finding{
			{Fingerprint: "open1", ProjectID: 1, ProjectPath: "g/a", Severity: findings.High, FirstSeen: jan, LastSeen: mar, Status: FindingOpen, Group: "ga"},
			{Fingerprint: "gone1", ProjectID: 1, ProjectPath: "g/a", Severity: findings.Low, FirstSeen: jan, LastSeen: feb, Status: FindingResolved, Group: "gb"},
		} {
			if err := l.PutFinding(ctx, tx, f); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 2, 4, 0, 0, 0, 0, time.UTC)
	if err := l.PutIssue(ctx, Issue{Group: "ga", ProjectID: 1, IID: 3, State: "opened", ClockStart: jan, Due: due,
		Exception: findings.AcceptedRisk, ExceptionBy: "alice", ExceptionExpires: mar}); err != nil {
		t.Fatal(err)
	}
	l.DB().Close()
	l = open(t, path)

	var got []string
	for e, err := range l.Events(ctx, time.Time{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(e.Kind)+" "+e.Fingerprint+e.Group+" "+e.At.Format(time.DateOnly)+" due "+e.Due.Format(time.DateOnly)+" "+e.Actor)
	}
	want := []string{
		"finding.detected gone1gb 2026-01-05 due 0001-01-01 migration",
		"finding.detected open1ga 2026-01-05 due 2026-02-04 migration",
		"exception.granted ga 2026-01-05 due 2026-02-04 alice",
		"finding.resolved gone1gb 2026-02-01 due 0001-01-01 migration",
	}
	if !slices.Equal(got, want) {
		t.Errorf("history after migration:\n%q\nwant\n%q", got, want)
	}
}

// An event recorded twice under one id (a redelivered hook) is kept once;
// Events stops at until.
func TestEventsOnceAndUntil(t *testing.T) {
	ctx := context.Background()
	l := open(t, filepath.Join(t.TempDir(), "vigil.db"))
	at := time.Date(2026, 2, 5, 12, 0, 0, 0, time.UTC)
	e := Event{ID: "mr:1:4:mr.merged", At: at, Kind: EventPatchMerged, ProjectID: 1, MR: 4}
	for range 2 {
		if err := l.RecordEvents(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.RecordEvents(ctx, Event{At: at.Add(time.Hour), Kind: EventPatchOpened, ProjectID: 1, MR: 5}); err != nil {
		t.Fatal(err)
	}
	count := func(until time.Time) int {
		n := 0
		for _, err := range l.Events(ctx, until) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		return n
	}
	if n := count(time.Time{}); n != 2 {
		t.Errorf("%d events, want 2", n)
	}
	if n := count(at.Add(time.Hour)); n != 1 {
		t.Errorf("%d events before 13:00, want 1", n)
	}
	if err := l.RecordEvents(ctx, Event{Kind: EventPatchOpened}); err == nil {
		t.Error("an event without a time was recorded")
	}
}
