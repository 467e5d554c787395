package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Checkpoint is the read-outs' counting state saved at a time: what the
// history before At adds up to, so a later read-out reads only what came
// after. The ledger stores it; what State means is the read-out's.
type Checkpoint struct {
	Version int       // the state's format; a reader uses only its own
	At      time.Time // the state is that of every event before At
	// Events is how many events were before At when the state was made:
	// an event written later with an earlier time changes the count (see
	// EventsBefore), and the checkpoint is stale.
	Events  int64
	State   []byte
	SavedAt time.Time
}

// Checkpoints are the saved read-out checkpoints.
type Checkpoints struct{ l *Ledger }

// Checkpoints returns the ledger's read-out checkpoints.
func (l *Ledger) Checkpoints() Checkpoints { return Checkpoints{l} }

// Latest returns the newest checkpoint of version at or before t, or
// ErrNotFound.
func (c Checkpoints) Latest(ctx context.Context, version int, t time.Time) (Checkpoint, error) {
	cp := Checkpoint{Version: version}
	var at, state, saved string
	err := c.l.db.QueryRowContext(ctx, c.l.rebind(`SELECT at, events, state, saved_at FROM vigil_readout_checkpoints
		WHERE version = ? AND at <= ? ORDER BY at DESC LIMIT 1`), version, formatEventTime(t)).Scan(&at, &cp.Events, &state, &saved)
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

// Save stores a checkpoint, replacing one of the same version and time,
// and drops those of other versions (a changed counter cannot read them)
// and all but the newest keep of its own.
func (c Checkpoints) Save(ctx context.Context, cp Checkpoint, keep int) error {
	state, err := pack(cp.State)
	if err != nil {
		return fmt.Errorf("save read-out checkpoint: %w", err)
	}
	at := formatEventTime(cp.At)
	return c.l.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, c.l.rebind(`INSERT INTO vigil_readout_checkpoints (version, at, events, state, saved_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (version, at) DO UPDATE SET events = excluded.events, state = excluded.state,
			saved_at = excluded.saved_at`), cp.Version, at, cp.Events, state, formatTime(cp.SavedAt)); err != nil {
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
	var n int64
	if err := l.db.QueryRowContext(ctx, l.rebind(`SELECT COUNT(*) FROM vigil_events WHERE at < ?`), formatEventTime(t)).Scan(&n); err != nil {
		return 0, fmt.Errorf("count history: %w", err)
	}
	return n, nil
}
