package readout

import (
	"context"
	"errors"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
)

// checkpointsKept is how many checkpoints a ledger keeps: a year of month
// starts, and one.
const checkpointsKept = 13

// settled is how long ago a month must have started before a read-out
// saves a checkpoint at it. Events can be written with an earlier time
// than others already there (a merge request's merge time comes from
// GitLab, its hook may arrive after an outage; replicas' clocks differ):
// most arrive within a day. One that comes later changes the count of
// events before the checkpoint, which resume checks, so it costs a slower
// read-out, never a wrong one.
const settled = 24 * time.Hour

// FromLedger computes the read-out from a ledger's history: from the
// newest checkpoint at or before Since whose history is unchanged (else
// from the first event) to Until. When no checkpoint is at the month start
// of Since, it saves one there for the read-outs after it; failing to save
// one does not fail the read-out.
func FromLedger(ctx context.Context, l *ledger.Ledger, opts Options) (*Readout, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	c := newCounter(opts)
	from, before, err := c.resume(ctx, l)
	if err != nil {
		return nil, err
	}
	at := monthStart(opts.Since)
	cp := checkpointer{at: at, events: before, want: from.Before(at) && at.Before(time.Now().Add(-settled))}
	for e, err := range prefetch(ctx, l.History(ctx, from, opts.Until)) {
		if err != nil {
			return nil, err
		}
		cp.see(c, e)
		c.add(e)
	}
	cp.save(ctx, l, c)
	return c.finish(), nil
}

func monthStart(t time.Time) time.Time {
	y, m, _ := t.UTC().Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
}

// resume restores the newest checkpoint at or before Since whose history
// is still what it was, and returns where the history is to be read on
// from and how many events are before that (zero and 0: none; read it
// all). A stale or unreadable checkpoint is passed over.
func (c *counter) resume(ctx context.Context, l *ledger.Ledger) (time.Time, int64, error) {
	cp, err := l.Checkpoints().Latest(ctx, checkpointVersion, c.o.Since)
	if errors.Is(err, ledger.ErrNotFound) {
		return time.Time{}, 0, nil
	}
	if err != nil {
		return time.Time{}, 0, err
	}
	n, err := l.EventsBefore(ctx, cp.At)
	if err != nil {
		return time.Time{}, 0, err
	}
	if n != cp.Events {
		return time.Time{}, 0, nil // an event before it was written after it
	}
	s, err := decodeState(cp.State)
	if err != nil {
		return time.Time{}, 0, nil
	}
	c.restore(s)
	return cp.At, n, nil
}

// checkpointer takes the counter's state at a month start as the history
// passes it, and counts the events before it.
type checkpointer struct {
	at     time.Time
	want   bool
	events int64
	state  []byte
	failed bool
}

// see is called with each event before the counter adds it.
func (p *checkpointer) see(c *counter, e ledger.Event) {
	if !p.want {
		return
	}
	if e.At.Before(p.at) {
		p.events++
		return
	}
	p.take(c)
}

func (p *checkpointer) take(c *counter) {
	if p.state != nil || p.failed {
		return
	}
	state, err := c.save()
	p.state, p.failed = state, err != nil
}

// save stores the state taken (at the end of the history when no event
// came after the month start).
func (p *checkpointer) save(ctx context.Context, l *ledger.Ledger, c *counter) {
	if !p.want || p.events == 0 {
		return
	}
	p.take(c)
	if p.failed {
		return
	}
	// A checkpoint is a saving of time; a read-out that could not store one
	// (a busy or read-only ledger) is still right.
	_ = l.Checkpoints().Save(ctx, ledger.Checkpoint{Version: checkpointVersion, At: p.at, Events: p.events, State: p.state,
		SavedAt: time.Now().UTC()}, checkpointsKept)
}
