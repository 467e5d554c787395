package ledger

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// The checkpoint at or before a time is the newest one of the reader's
// version; saving keeps the newest few and drops other versions'.
func TestCheckpointsLatestAndKept(t *testing.T) {
	ctx := context.Background()
	l := open(t, filepath.Join(t.TempDir(), "vigil.db"))
	cps := l.Checkpoints()
	month := func(m time.Month) time.Time { return time.Date(2026, m, 1, 0, 0, 0, 0, time.UTC) }
	if _, err := cps.Latest(ctx, 1, month(12)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("an empty ledger has a checkpoint (%v)", err)
	}
	if err := cps.Save(ctx, Checkpoint{Version: 0, At: month(1), Events: 1, State: []byte("old format"), SavedAt: month(2)}, 3); err != nil {
		t.Fatal(err)
	}
	for m := time.February; m <= time.June; m++ {
		if err := cps.Save(ctx, Checkpoint{Version: 1, At: month(m), Events: int64(m), State: []byte(m.String()), SavedAt: month(m + 1)}, 3); err != nil {
			t.Fatal(err)
		}
	}
	// Saving again replaces.
	if err := cps.Save(ctx, Checkpoint{Version: 1, At: month(5), Events: 50, State: []byte("May again"), SavedAt: month(7)}, 3); err != nil {
		t.Fatal(err)
	}
	cp, err := cps.Latest(ctx, 1, month(5).Add(time.Hour))
	if err != nil || !cp.At.Equal(month(5)) || cp.Events != 50 || !bytes.Equal(cp.State, []byte("May again")) || !cp.SavedAt.Equal(month(7)) {
		t.Errorf("latest at or before May 1 01:00: %+v, %v", cp, err)
	}
	if cp, err := cps.Latest(ctx, 1, month(4)); err != nil || !cp.At.Equal(month(4)) {
		t.Errorf("latest at or before April 1: %v, %v", cp.At, err)
	}
	// Three kept: April to June; February and March are gone, and so is
	// the other version's.
	if cp, err := cps.Latest(ctx, 1, month(3)); !errors.Is(err, ErrNotFound) {
		t.Errorf("March's checkpoint kept beyond three (%v, %v)", cp.At, err)
	}
	if _, err := cps.Latest(ctx, 0, month(12)); !errors.Is(err, ErrNotFound) {
		t.Errorf("another version's checkpoint kept (%v)", err)
	}
}

// EventsBefore counts by time, not by when an event was written: a late
// event with an earlier time changes the count before it.
func TestEventsBeforeCountsLateEvents(t *testing.T) {
	ctx := context.Background()
	l := open(t, filepath.Join(t.TempDir(), "vigil.db"))
	feb := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	if err := l.RecordEvents(ctx, Event{At: feb.Add(-time.Nanosecond), Kind: EventDetected, Fingerprint: "a"},
		Event{At: feb, Kind: EventDetected, Fingerprint: "b"}); err != nil {
		t.Fatal(err)
	}
	if n, err := l.EventsBefore(ctx, feb); err != nil || n != 1 {
		t.Errorf("%d events before February (%v), want 1", n, err)
	}
	if err := l.RecordEvents(ctx, Event{At: feb.AddDate(0, 0, -3), Kind: EventPatchMerged, MR: 1}); err != nil {
		t.Fatal(err)
	}
	if n, err := l.EventsBefore(ctx, feb); err != nil || n != 2 {
		t.Errorf("%d events before February after a late one (%v), want 2", n, err)
	}
}

// A state and a segment saved apart at one time make one checkpoint, as
// long as both count the same events; Range lists segments without states.
func TestCheckpointStateAndSegment(t *testing.T) {
	ctx := context.Background()
	l := open(t, filepath.Join(t.TempDir(), "vigil.db"))
	cps := l.Checkpoints()
	jan, feb, mar := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, cp := range []Checkpoint{
		{Version: 1, At: jan, Events: 5, State: []byte("state Jan")},
		{Version: 1, At: feb, Events: 9, Segment: []byte("segment Jan")},
		{Version: 1, At: feb, Events: 9, State: []byte("state Feb")},
		{Version: 1, At: mar, Events: 12, State: []byte("stale state Mar"), Segment: []byte("stale segment Feb")},
		{Version: 1, At: mar, Events: 14, Segment: []byte("segment Feb")},
	} {
		if err := cps.Save(ctx, cp, 13); err != nil {
			t.Fatal(err)
		}
	}
	got, err := cps.Range(ctx, 1, jan, mar)
	if err != nil || len(got) != 3 {
		t.Fatalf("%d checkpoints in [Jan, Mar] (%v), want 3", len(got), err)
	}
	for i, want := range []struct {
		segment  string
		hasState bool
		events   int64
	}{{"", true, 5}, {"segment Jan", true, 9}, {"segment Feb", false, 14}} {
		if string(got[i].Segment) != want.segment || got[i].HasState != want.hasState || got[i].Events != want.events || got[i].State != nil {
			t.Errorf("checkpoint %d: segment %q, has state %v, %d events; want %q, %v, %d", i, got[i].Segment, got[i].HasState, got[i].Events,
				want.segment, want.hasState, want.events)
		}
	}
	if cp, err := cps.Latest(ctx, 1, mar); err != nil || !cp.At.Equal(feb) || string(cp.State) != "state Feb" {
		t.Errorf("latest state at or before March 1: %s %q (%v), want February's (March's was stale)", cp.At, cp.State, err)
	}
	if err := l.RecordEvents(ctx, Event{At: jan.Add(-time.Hour), Kind: EventDetected, Fingerprint: "a"},
		Event{At: feb, Kind: EventDetected, Fingerprint: "b"}); err != nil {
		t.Fatal(err)
	}
	if n, err := l.EventsBeforeEach(ctx, feb, jan, feb.Add(time.Nanosecond)); err != nil || n[0] != 1 || n[1] != 1 || n[2] != 2 {
		t.Errorf("events before Feb 1, Jan 1 and just after Feb 1: %v (%v), want [1 1 2]", n, err)
	}
}
