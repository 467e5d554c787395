package readout

import (
	"context"
	"iter"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
)

// prefetchBatch is how many events the reading goroutine hands over at a
// time: one channel operation per batch, not per event.
const prefetchBatch = 1024

type eventBatch struct {
	events []ledger.Event
	err    error
}

// prefetch reads events on a goroutine of its own while the caller counts
// the ones already read: the SQLite driver's decoding and the counting
// each take about half of a read-out, and overlap on two cores. Stopping
// early (or ctx ending) stops the reader.
func prefetch(ctx context.Context, events iter.Seq2[ledger.Event, error]) iter.Seq2[ledger.Event, error] {
	return func(yield func(ledger.Event, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		batches := make(chan eventBatch, 4)
		go func() {
			defer close(batches)
			send := func(b eventBatch) bool {
				select {
				case batches <- b:
					return true
				case <-ctx.Done():
					return false
				}
			}
			buf := make([]ledger.Event, 0, prefetchBatch)
			for e, err := range events {
				if err != nil {
					send(eventBatch{events: buf, err: err})
					return
				}
				if buf = append(buf, e); len(buf) == prefetchBatch {
					if !send(eventBatch{events: buf}) {
						return
					}
					buf = make([]ledger.Event, 0, prefetchBatch)
				}
			}
			send(eventBatch{events: buf})
		}()
		defer func() {
			cancel()
			for range batches { // let the reader finish and close its rows
			}
		}()
		for b := range batches {
			for _, e := range b.events {
				if !yield(e, nil) {
					return
				}
			}
			if b.err != nil {
				yield(ledger.Event{}, b.err)
				return
			}
		}
	}
}
