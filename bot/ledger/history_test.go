package ledger

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// History gives the events Events gives, ids aside, for any range; a value
// holding the packed rows' separator is stored without it.
func TestHistoryIsEventsWithoutIDs(t *testing.T) {
	ctx := context.Background()
	l := open(t, filepath.Join(t.TempDir(), "vigil.db"))
	at := time.Date(2026, 1, 31, 23, 0, 0, 123456789, time.UTC)
	evs := []Event{
		{At: at, Kind: EventDetected, Fingerprint: "fp1", Group: "g1", ProjectID: 7, ProjectPath: "acme/web/shop", Severity: findings.High, Actor: ActorBot, Detail: "fixed"},
		{At: at.Add(time.Hour), Kind: EventExceptionGranted, Group: "g1", ProjectID: 7, ProjectPath: "acme/web/shop", Tier: "production",
			Due: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Actor: "alice", Detail: string(findings.AcceptedRisk), Expires: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)},
		{At: at.Add(2 * time.Hour), Kind: EventPatchMerged, ProjectID: 7, MR: 42, Actor: "bob | ünïcode"},
	}
	if err := l.RecordEvents(ctx, evs...); err != nil {
		t.Fatal(err)
	}
	feb := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	for _, r := range []struct {
		from, until time.Time
		want        int
	}{{time.Time{}, time.Time{}, 3}, {time.Time{}, feb, 1}, {feb, time.Time{}, 2}, {feb, at.Add(2 * time.Hour), 1}} {
		var want []Event
		for e, err := range l.Events(ctx, r.until) {
			if err != nil {
				t.Fatal(err)
			}
			if !e.At.Before(r.from) {
				e.ID = ""
				want = append(want, e)
			}
		}
		var got []Event
		for e, err := range l.History(ctx, r.from, r.until) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, e)
		}
		if len(got) != r.want || len(want) != r.want {
			t.Fatalf("[%s, %s): History gave %d events, Events %d, want %d", r.from, r.until, len(got), len(want), r.want)
		}
		for i := range got {
			if !eventsEqual(got[i], want[i]) {
				t.Errorf("[%s, %s) event %d:\n History %+v\n Events  %+v", r.from, r.until, i, got[i], want[i])
			}
		}
	}

	// A name carrying the separator is stored without it: the history
	// still reads, with every other event.
	if err := l.RecordEvents(ctx, Event{At: at.Add(3 * time.Hour), Kind: EventExceptionGranted, Group: "g2", Actor: "eve\x1fx"}); err != nil {
		t.Fatal(err)
	}
	var actors []string
	for e, err := range l.History(ctx, time.Time{}, time.Time{}) {
		if err != nil {
			t.Fatalf("the history after a name holding U+001F: %v", err)
		}
		actors = append(actors, e.Actor)
	}
	if len(actors) != 4 || actors[3] != "eve x" {
		t.Errorf("actors %q, want four ending in %q", actors, "eve x")
	}
}

func eventsEqual(a, b Event) bool {
	return a.At.Equal(b.At) && a.Due.Equal(b.Due) && a.Expires.Equal(b.Expires) &&
		a.Kind == b.Kind && a.Fingerprint == b.Fingerprint && a.Group == b.Group && a.ProjectID == b.ProjectID &&
		a.ProjectPath == b.ProjectPath && a.Tier == b.Tier && a.Severity == b.Severity && a.Actor == b.Actor &&
		a.Detail == b.Detail && a.MR == b.MR
}
