package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/klauspost/compress/zstd"
)

// Checkpoint is what the read-outs save of the history at a time (a month
// start), so that later read-outs read only what came after: the counting
// state at At, the segment of the month that ended at At, or both. The
// ledger stores them; what they mean is the read-out's.
type Checkpoint struct {
	Version int       // the format; a reader uses only its own
	At      time.Time // the state is that of every event before At
	// Events is how many events were before At when the checkpoint was
	// made: an event written later with an earlier time changes the count
	// (see EventsBefore), and the checkpoint is stale.
	Events   int64
	State    []byte // nil: none saved
	Segment  []byte // nil: none saved
	HasState bool   // a state is saved (Range does not read it)
	SavedAt  time.Time
}

// checkpointEncoder compresses at zstd's fastest: a read-out saves a
// state of tens of megabytes while a user waits (the SBOMs' level took
// 0.8 s of CPU for one).
var checkpointEncoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))

// Checkpoints are the saved read-out checkpoints.
type Checkpoints struct{ l *Ledger }

// Checkpoints returns the ledger's read-out checkpoints.
func (l *Ledger) Checkpoints() Checkpoints { return Checkpoints{l} }

// Latest returns the newest checkpoint of version with a state at or
// before t, or ErrNotFound.
func (c Checkpoints) Latest(ctx context.Context, version int, t time.Time) (Checkpoint, error) {
	cp := Checkpoint{Version: version, HasState: true}
	var at, state, saved string
	err := c.l.db.QueryRowContext(ctx, c.l.rebind(`SELECT at, events, state, saved_at FROM vigil_readout_checkpoints
		WHERE version = ? AND at <= ? AND state <> '' ORDER BY at DESC LIMIT 1`), version, formatEventTime(t)).Scan(&at, &cp.Events, &state, &saved)
	if errors.Is(err, sql.ErrNoRows) {
		return Checkpoint{}, ErrNotFound
	}
	if err != nil {
		return Checkpoint{}, fmt.Errorf("read read-out checkpoint: %w", err)
	}
	if cp.State, err = unpack(state); err != nil {
		return Checkpoint{}, fmt.Errorf("read read-out checkpoint of %s: %w", at, err)
	}
	cp.At, cp.SavedAt = parseTime(at), parseTime(saved)
	return cp, nil
}

// Range returns the checkpoints of version in [from, to], oldest first,
// with their segments but not their states (HasState says whether one is
// saved).
func (c Checkpoints) Range(ctx context.Context, version int, from, to time.Time) ([]Checkpoint, error) {
	var out []Checkpoint
	err := eachRow(ctx, c.l.db, "read read-out checkpoints", c.l.rebind(`SELECT at, events, segment, state <> '', saved_at
		FROM vigil_readout_checkpoints WHERE version = ? AND at >= ? AND at <= ? ORDER BY at`),
		[]any{version, formatEventTime(from), formatEventTime(to)}, func(scan func(...any) error) error {
			cp := Checkpoint{Version: version}
			var at, segment, saved string
			if err := scan(&at, &cp.Events, &segment, &cp.HasState, &saved); err != nil {
				return err
			}
			if segment != "" {
				var err error
				if cp.Segment, err = unpack(segment); err != nil {
					return fmt.Errorf("the checkpoint of %s: %w", at, err)
				}
			}
			cp.At, cp.SavedAt = parseTime(at), parseTime(saved)
			out = append(out, cp)
			return nil
		})
	return out, err
}

// Save stores a checkpoint. One already saved at its time keeps the state
// or segment the new one lacks when both count the same events (else the
// old one was stale and goes). Checkpoints of other versions (a changed
// counter cannot read them) and all but the newest keep of its own are
// dropped.
func (c Checkpoints) Save(ctx context.Context, cp Checkpoint, keep int) error {
	var state, segment string
	var err error
	if cp.State != nil {
		if state, err = packWith(checkpointEncoder, cp.State); err != nil {
			return fmt.Errorf("save read-out checkpoint: %w", err)
		}
	}
	if cp.Segment != nil {
		if segment, err = packWith(checkpointEncoder, cp.Segment); err != nil {
			return fmt.Errorf("save read-out checkpoint: %w", err)
		}
	}
	at := formatEventTime(cp.At)
	return c.l.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, c.l.rebind(`INSERT INTO vigil_readout_checkpoints (version, at, events, state, segment, saved_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (version, at) DO UPDATE SET
			state = CASE WHEN excluded.state = '' AND excluded.events = vigil_readout_checkpoints.events
				THEN vigil_readout_checkpoints.state ELSE excluded.state END,
			segment = CASE WHEN excluded.segment = '' AND excluded.events = vigil_readout_checkpoints.events
				THEN vigil_readout_checkpoints.segment ELSE excluded.segment END,
			events = excluded.events, saved_at = excluded.saved_at`),
			cp.Version, at, cp.Events, state, segment, formatTime(cp.SavedAt)); err != nil {
			return fmt.Errorf("save read-out checkpoint of %s: %w", at, err)
		}
		if _, err := tx.ExecContext(ctx, c.l.rebind(`DELETE FROM vigil_readout_checkpoints WHERE version <> ? OR at NOT IN
			(SELECT at FROM vigil_readout_checkpoints WHERE version = ? ORDER BY at DESC LIMIT ?)`), cp.Version, cp.Version, keep); err != nil {
			return fmt.Errorf("drop old read-out checkpoints: %w", err)
		}
		return nil
	})
}

// EventsBefore counts the events before t: with a checkpoint's Events, it
// tells whether the history before the checkpoint is still what it was.
func (l *Ledger) EventsBefore(ctx context.Context, t time.Time) (int64, error) {
	n, err := l.EventsBeforeEach(ctx, t)
	if err != nil {
		return 0, err
	}
	return n[0], nil
}

// EventsBeforeEach counts the events before each of times, stepping
// through the history's time index once: each count is of the stretch
// between one time and the next (a COUNT over a range of the index is
// the cheapest the driver does; one pass with a CASE per time cost five
// times as much).
func (l *Ledger) EventsBeforeEach(ctx context.Context, times ...time.Time) ([]int64, error) {
	order := make([]int, len(times))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return times[a].Compare(times[b]) })
	n := make([]int64, len(times))
	var sum int64
	from := ""
	for _, i := range order {
		to := formatEventTime(times[i])
		var k int64
		if err := l.db.QueryRowContext(ctx, l.rebind(`SELECT COUNT(*) FROM vigil_events WHERE at >= ? AND at < ?`), from, to).Scan(&k); err != nil {
			return nil, fmt.Errorf("count history: %w", err)
		}
		sum += k
		n[i], from = sum, to
	}
	return n, nil
}
