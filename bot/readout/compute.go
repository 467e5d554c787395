package readout

import (
	"fmt"
	"iter"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Compute reads a history, oldest event first, and returns the numbers of
// the period and scope. Events at or after Until are ignored, so the state
// reported is the state at Until.
func Compute(events iter.Seq2[ledger.Event, error], opts Options) (*Readout, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	c := newCounter(opts)
	for e, err := range events {
		if err != nil {
			return nil, err
		}
		if !e.At.Before(opts.Until) {
			continue
		}
		c.add(e)
	}
	return c.finish(), nil
}

func (o Options) check() error {
	switch {
	case o.Since.IsZero() || o.Until.IsZero():
		return fmt.Errorf("a read-out needs a period: give both since and until")
	case !o.Since.Before(o.Until):
		return fmt.Errorf("the period is empty: since %s is not before until %s", o.Since.Format(time.DateOnly), o.Until.Format(time.DateOnly))
	case o.GroupDepth < 0 || o.Top < 0 || o.ExpiringWithin < 0:
		return fmt.Errorf("group depth, top and expiring window cannot be negative")
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.Top == 0 {
		o.Top = 10
	}
	if o.ExpiringWithin == 0 {
		o.ExpiringWithin = 30 * 24 * time.Hour
	}
	o.Since, o.Until = o.Since.UTC(), o.Until.UTC()
	return o
}

// deadline is the end of a due date: a finding resolved before it was in
// time, one open at it is past due.
func deadline(due time.Time) time.Time {
	y, m, d := due.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

// holds reports whether an exception is in force at t.
func holds(kind findings.ExceptionKind, expires, t time.Time) bool {
	switch kind {
	case findings.FalsePositive:
		return true
	case findings.AcceptedRisk:
		return t.Before(expires)
	}
	return false
}
