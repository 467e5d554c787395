package readout

import (
	"context"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
)

// saver takes, as the history read passes month starts, the checkpoints
// later read-outs can use: the state at the month start of Since (when the
// history was read from before it), the segment of every whole month of
// the period read, and the state at the last month start at or before
// Until. What the ledger already holds, counting the same events, is not
// taken again.
type saver struct {
	c       *counter
	limit   time.Time // month starts after it are too recent to save
	next    time.Time // the next month start to pass
	segFrom time.Time // segments are taken of months starting at or after it
	states  [2]time.Time
	known   map[int64]ledger.Checkpoint // by At, in Unix nanoseconds
	events  int64                       // events before the point reached
	// changes and patches are the counter's at the last month start passed.
	changes, patches int
	out              []ledger.Checkpoint
	failed           bool
}

func newSaver(c *counter, from time.Time, before int64, known []ledger.Checkpoint, limit time.Time) *saver {
	s := &saver{c: c, limit: limit, events: before, known: map[int64]ledger.Checkpoint{},
		changes: len(c.changes), patches: len(c.patchLog)}
	for _, cp := range known {
		s.known[cp.At.UnixNano()] = cp
	}
	first := monthStart(c.o.Since)
	s.segFrom = first
	if !first.Equal(c.o.Since) {
		s.segFrom = first.AddDate(0, 1, 0)
	}
	if from.Before(first) {
		s.next, s.states[0] = first, first
	} else {
		s.next = monthStart(from).AddDate(0, 1, 0)
	}
	s.states[1] = monthStart(c.o.Until)
	return s
}

// see is called with each event read, before the counter adds it.
func (s *saver) see(e ledger.Event) {
	for !e.At.Before(s.next) {
		s.pass()
	}
	s.events++
}

// end passes the month starts up to Until that no event came after.
func (s *saver) end() { s.reach(s.c.o.Until) }

// reach passes the month starts up to t that no event came after.
func (s *saver) reach(t time.Time) {
	for !s.next.After(t) {
		s.pass()
	}
}

// jump follows the counter to the saved state at a month start, with
// events before it.
func (s *saver) jump(at time.Time, events int64) {
	s.next, s.events = at.AddDate(0, 1, 0), events
	s.changes, s.patches = len(s.c.changes), len(s.c.patchLog)
}

func (s *saver) pass() {
	m := s.next
	s.next = m.AddDate(0, 1, 0)
	defer func() { s.changes, s.patches = len(s.c.changes), len(s.c.patchLog) }()
	if m.After(s.limit) || s.failed || s.events == 0 {
		return
	}
	have, ok := s.known[m.UnixNano()]
	if ok && have.Events != s.events {
		have = ledger.Checkpoint{} // stale: take it all again
	}
	cp := ledger.Checkpoint{Version: checkpointVersion, At: m, Events: s.events, SavedAt: time.Now().UTC()}
	var err error
	if !m.AddDate(0, -1, 0).Before(s.segFrom) && have.Segment == nil {
		cp.Segment, err = s.c.saveSegment(s.changes, s.patches)
	}
	if (m.Equal(s.states[0]) || m.Equal(s.states[1])) && !have.HasState && err == nil {
		cp.State, err = s.c.save()
	}
	if s.failed = err != nil; !s.failed && (cp.State != nil || cp.Segment != nil) {
		s.out = append(s.out, cp)
	}
}

// save stores what was taken. A checkpoint is a saving of time; a
// read-out that could not store one (a busy or read-only ledger) is still
// right.
func (s *saver) save(ctx context.Context, l *ledger.Ledger) {
	for _, cp := range s.out {
		if err := l.Checkpoints().Save(ctx, cp, checkpointsKept); err != nil {
			return
		}
	}
}
