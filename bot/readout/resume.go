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
// little of it as the saved checkpoints allow, and saves the checkpoints
// it passes that later read-outs can use; failing to save one does not
// fail the read-out. The history is read:
//
//   - from the newest state at or before Since whose history is unchanged
//     (else from the first event), to the first month start at or after
//     Since;
//   - then, when segments are saved of every month from there to a later
//     month start with a saved state, from that state on instead (the
//     period's changes so far are carried over to it);
//   - to Until.
//
// Every checkpoint used must count the events before it that the ledger
// now has.
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
	b := opts.Since // where segments can start
	if !b.Equal(monthStart(b)) {
		b = monthStart(b).AddDate(0, 1, 0)
	}
	var from time.Time
	var before int64
	if b.Equal(opts.Since) {
		if from, before, err = c.segments(ctx, l, known, b); err != nil {
			return nil, err
		}
	}
	if from.IsZero() {
		if from, before, err = c.resume(ctx, l); err != nil {
			return nil, err
		}
	}
	s := newSaver(c, from, before, known, time.Now().Add(-settled))
	if from.Before(b) && b.Before(opts.Until) {
		if err := c.read(ctx, l, s, from, b); err != nil {
			return nil, err
		}
		s.reach(b)
		from = b
		if !b.Equal(opts.Since) { // else tried above
			p, n, err := c.segments(ctx, l, known, b)
			if err != nil {
				return nil, err
			}
			if !p.IsZero() {
				s.jump(p, n)
				from = p
			}
		}
	}
	if err := c.read(ctx, l, s, from, opts.Until); err != nil {
		return nil, err
	}
	s.end()
	s.save(ctx, l)
	return c.finish(), nil
}

// read counts the history in [from, until), showing the saver each event.
func (c *counter) read(ctx context.Context, l *ledger.Ledger, s *saver, from, until time.Time) error {
	for e, err := range prefetch(ctx, l.History(ctx, from, until)) {
		if err != nil {
			return err
		}
		s.see(e)
		c.add(e)
	}
	return nil
}

func monthStart(t time.Time) time.Time {
	y, m, _ := t.UTC().Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
}

// segments moves the counter, when it can, from b (a month start: Since,
// or the first after it, with the period's changes before b counted) to
// a later month start: the last with a saved state that saved segments
// of every month from b reach. It returns that month start and the
// events before it, or zero when there is none to move to; the counter
// is then as it was.
func (c *counter) segments(ctx context.Context, l *ledger.Ledger, known []ledger.Checkpoint, b time.Time) (time.Time, int64, error) {
	var chain []ledger.Checkpoint
	top := -1 // the last of chain with a state
	next := b.AddDate(0, 1, 0)
	for _, cp := range known {
		if !cp.At.After(b) {
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
		return time.Time{}, 0, nil
	}
	chain = chain[:top+1]
	times := make([]time.Time, len(chain))
	for i, cp := range chain {
		times[i] = cp.At
	}
	counts, err := l.EventsBeforeEach(ctx, times...)
	if err != nil {
		return time.Time{}, 0, err
	}
	for i, cp := range chain {
		if counts[i] != cp.Events {
			return time.Time{}, 0, nil // an event before it was written after it
		}
	}
	at := chain[top]
	state, ok, err := stateAt(ctx, l, at)
	if err != nil || !ok || !c.moveTo(state, chain) {
		return time.Time{}, 0, err
	}
	return at.At, at.Events, nil
}

// moveTo replaces the counter's state with a saved one, keeping the
// period's changes counted so far and adding the segments after them. A
// state or segment that does not decode, or names a finding the state
// lacks, leaves the counter as it was.
func (c *counter) moveTo(state []byte, segments []ledger.Checkpoint) bool {
	s, err := decodeState(state)
	if err != nil {
		return false
	}
	next := newCounter(c.o)
	next.restore(s)
	for _, ch := range c.changes {
		f := next.findings[ch.f.fingerprint]
		if f == nil {
			return false
		}
		ch.f = f
		next.changes = append(next.changes, ch)
	}
	next.patchLog = append(next.patchLog, c.patchLog...)
	for _, cp := range segments {
		if err := next.addSegment(cp.Segment); err != nil {
			return false
		}
	}
	*c = *next
	return true
}

// resume restores the newest state at or before Since whose history is
// still what it was: a late event makes the states after its time stale,
// not the ones before. A state that does not decode is passed over.
func (c *counter) resume(ctx context.Context, l *ledger.Ledger) (time.Time, int64, error) {
	saved, err := l.Checkpoints().Range(ctx, checkpointVersion, time.Time{}, c.o.Since)
	if err != nil {
		return time.Time{}, 0, err
	}
	var states []ledger.Checkpoint
	var times []time.Time
	for _, cp := range saved {
		if cp.HasState {
			states, times = append(states, cp), append(times, cp.At)
		}
	}
	if len(states) == 0 {
		return time.Time{}, 0, nil
	}
	counts, err := l.EventsBeforeEach(ctx, times...)
	if err != nil {
		return time.Time{}, 0, err
	}
	for i := len(states) - 1; i >= 0; i-- {
		if counts[i] != states[i].Events {
			continue // an event before it was written after it
		}
		state, ok, err := stateAt(ctx, l, states[i])
		if err != nil {
			return time.Time{}, 0, err
		}
		if !ok {
			continue
		}
		if s, err := decodeState(state); err == nil {
			c.restore(s)
			return states[i].At, states[i].Events, nil
		}
	}
	return time.Time{}, 0, nil
}

// stateAt reads the state saved at cp's time, when it is still the one
// Range listed: ok is false when that month start was saved again since,
// or its row is gone.
func stateAt(ctx context.Context, l *ledger.Ledger, cp ledger.Checkpoint) ([]byte, bool, error) {
	got, err := l.Checkpoints().Latest(ctx, checkpointVersion, cp.At)
	if errors.Is(err, ledger.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return got.State, got.At.Equal(cp.At) && got.Events == cp.Events, nil
}
