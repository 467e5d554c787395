package readout

import (
	"context"
	"errors"
	"testing"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
)

// The prefetched history is the history: every event in order, then the
// reader's error; a caller that stops early stops the reader (else a
// read-out that failed would still read a million rows).
func TestPrefetchKeepsOrderAndErrors(t *testing.T) {
	broken := errors.New("the disk went away")
	events := func(yield func(ledger.Event, error) bool) {
		for i := range 2500 {
			if !yield(ledger.Event{MR: int64(i)}, nil) {
				return
			}
		}
		yield(ledger.Event{}, broken)
	}
	n := 0
	var err error
	for e, e2 := range prefetch(context.Background(), events) {
		if e2 != nil {
			err = e2
			break
		}
		if e.MR != int64(n) {
			t.Fatalf("event %d came as %d", n, e.MR)
		}
		n++
	}
	if n != 2500 || !errors.Is(err, broken) {
		t.Errorf("%d events, then %v; want 2500, then the reader's error", n, err)
	}

	// Stopping early: the reader reads at most what the channel holds.
	read := 0
	long := func(yield func(ledger.Event, error) bool) {
		for i := range 1_000_000 {
			read++
			if !yield(ledger.Event{MR: int64(i)}, nil) {
				return
			}
		}
	}
	for range prefetch(context.Background(), long) {
		break
	}
	if read > 10*prefetchBatch {
		t.Errorf("the reader read %d events after the caller stopped at the first", read)
	}
}
