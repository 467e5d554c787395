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
// events before the checkpoint, which is checked before any is used, so it
// costs a slower read-out, never a wrong one.
const settled = 24 * time.Hour

// FromLedger computes the read-out from a ledger's history, reading as
// little of it as the saved checkpoints allow (see plan), and saves the
// checkpoints it passes that later read-outs can use; failing to save one
// does not fail the read-out.
func FromLedger(ctx context.Context, l *ledger.Ledger, opts Options) (*Readout, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	c := newCounter(opts)
	known, err := l.Checkpoints().Range(ctx, checkpointVersion, monthStart(opts.Since), opts.Until)
	if err != nil {
		return nil, err
	}
	from, before, err := c.plan(ctx, l, known)
	if err != nil {
		return nil, err
	}
	s := newSaver(c, from, before, known, time.Now().Add(-settled))
	for e, err := range prefetch(ctx, l.History(ctx, from, opts.Until)) {
		if err != nil {
			return nil, err
		}
		s.see(e)
		c.add(e)
	}
	s.end()
	s.save(ctx, l)
	return c.finish(), nil
}

func monthStart(t time.Time) time.Time {
	y, m, _ := t.UTC().Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
}

// plan restores what the checkpoints give and returns where the history is
// to be read on from and how many events are before that (zero and 0:
// none; read it all). A period from a month start takes the segments of
// its months and the state at the last month start they reach; any other
// resumes from the newest state at or before Since. Every checkpoint used
// must count the events before it that the ledger now has.
func (c *counter) plan(ctx context.Context, l *ledger.Ledger, known []ledger.Checkpoint) (time.Time, int64, error) {
	from, before, ok, err := c.segments(ctx, l, known)
	if err != nil || ok {
		return from, before, err
	}
	return c.resume(ctx, l)
}

// segments restores, for a period from a month start, the months from
// Since each with a saved segment, up to the last with a saved state.
func (c *counter) segments(ctx context.Context, l *ledger.Ledger, known []ledger.Checkpoint) (time.Time, int64, bool, error) {
	since := c.o.Since
	if !since.Equal(monthStart(since)) {
		return time.Time{}, 0, false, nil
	}
	var chain []ledger.Checkpoint
	top := -1 // the last of chain with a state
	next := since.AddDate(0, 1, 0)
	for _, cp := range known {
		if cp.At.Equal(since) {
			continue
		}
		if !cp.At.Equal(next) || cp.Segment == nil {
			break
		}
		if chain = append(chain, cp); cp.HasState {
			top = len(chain) - 1
		}
		next = next.AddDate(0, 1, 0)
	}
	if top < 0 {
		return time.Time{}, 0, false, nil
	}
	chain = chain[:top+1]
	times := make([]time.Time, len(chain))
	for i, cp := range chain {
		times[i] = cp.At
	}
	counts, err := l.EventsBeforeEach(ctx, times...)
	if err != nil {
		return time.Time{}, 0, false, err
	}
	for i, cp := range chain {
		if counts[i] != cp.Events {
			return time.Time{}, 0, false, nil // an event before it was written after it
		}
	}
	at := chain[top]
	cp, err := l.Checkpoints().Latest(ctx, checkpointVersion, at.At)
	if err != nil && !errors.Is(err, ledger.ErrNotFound) {
		return time.Time{}, 0, false, err
	}
	s, decodeErr := decodeState(cp.State)
	if err != nil || decodeErr != nil || !cp.At.Equal(at.At) || cp.Events != at.Events {
		return time.Time{}, 0, false, nil // saved again since Range read it, or damaged
	}
	c.restore(s)
	for _, cp := range chain {
		if err := c.addSegment(cp.Segment); err != nil {
			*c = *newCounter(c.o)
			return time.Time{}, 0, false, nil
		}
	}
	return at.At, at.Events, true, nil
}

// resume restores the newest state at or before Since whose history is
// still what it was. A stale or unreadable one is passed over.
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
