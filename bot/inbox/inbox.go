package inbox

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/internal/sqlite"
)

// Keep is how long a delivery stays after it was moved on, so that GitLab's
// retries of it are answered "duplicate". Later redeliveries are accepted
// again here and dropped by the ledger, which keeps every key.
const Keep = 24 * time.Hour

const schema = `CREATE TABLE IF NOT EXISTS vigil_inbox (
	dedup_key   TEXT PRIMARY KEY,
	event       TEXT NOT NULL,
	body        BLOB NOT NULL,
	received_at TEXT NOT NULL,
	moved_at    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS vigil_inbox_moved ON vigil_inbox (moved_at);`

// stamp has a fixed width, so that times compare as text.
const stamp = "2006-01-02T15:04:05.000000000Z"

// Inbox is the receiver's store (webhook.Store).
type Inbox struct {
	db   *sql.DB
	wake chan struct{}
}

// Path is the inbox file beside the data file: vigil-bot.db → vigil-bot.inbox.db.
func Path(data string) string {
	ext := filepath.Ext(data)
	return strings.TrimSuffix(data, ext) + ".inbox" + ext
}

// Open opens (creating if needed) the inbox file at path.
func Open(ctx context.Context, path string) (*Inbox, error) {
	db, err := sqlite.Open(path, sqlite.Service())
	if err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("create webhook inbox in %s: %w", path, err)
	}
	return &Inbox{db: db, wake: make(chan struct{}, 1)}, nil
}

// Close closes the file.
func (b *Inbox) Close() error { return b.db.Close() }

// Accept stores a delivery. It returns false, and stores nothing, when a
// delivery with the same key is still here.
func (b *Inbox) Accept(ctx context.Context, d ledger.Delivery) (bool, error) {
	res, err := b.db.ExecContext(ctx, `INSERT INTO vigil_inbox (dedup_key, event, body, received_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (dedup_key) DO NOTHING`,
		d.Key, d.Event, d.Body, d.Received.UTC().Format(stamp))
	if err != nil {
		return false, fmt.Errorf("store delivery %s: %w", d.Key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store delivery %s: %w", d.Key, err)
	}
	if n == 1 {
		select {
		case b.wake <- struct{}{}:
		default:
		}
	}
	return n == 1, nil
}

// Wake receives after a delivery was stored.
func (b *Inbox) Wake() <-chan struct{} { return b.wake }

// Pending returns up to limit deliveries not moved on yet, oldest first.
func (b *Inbox) Pending(ctx context.Context, limit int) ([]ledger.Delivery, error) {
	rows, err := b.db.QueryContext(ctx, `SELECT dedup_key, event, body, received_at FROM vigil_inbox
		WHERE moved_at = '' ORDER BY rowid LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("read webhook inbox: %w", err)
	}
	defer rows.Close()
	var out []ledger.Delivery
	for rows.Next() {
		var d ledger.Delivery
		var received string
		if err := rows.Scan(&d.Key, &d.Event, &d.Body, &received); err != nil {
			return nil, fmt.Errorf("read webhook inbox: %w", err)
		}
		d.Received, _ = time.Parse(stamp, received)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read webhook inbox: %w", err)
	}
	return out, nil
}

// Count is the number of deliveries not moved on yet.
func (b *Inbox) Count(ctx context.Context) (int, error) {
	var n int
	if err := b.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM vigil_inbox WHERE moved_at = ''`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count webhook inbox: %w", err)
	}
	return n, nil
}

// Moved marks deliveries as handed over to the ledger at the given time.
func (b *Inbox) Moved(ctx context.Context, keys []string, at time.Time) error {
	if len(keys) == 0 {
		return nil
	}
	args := []any{at.UTC().Format(stamp)}
	for _, k := range keys {
		args = append(args, k)
	}
	q := `UPDATE vigil_inbox SET moved_at = ? WHERE dedup_key IN (?` + strings.Repeat(", ?", len(keys)-1) + `)`
	if _, err := b.db.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("mark %d webhook deliveries moved: %w", len(keys), err)
	}
	return nil
}

// Prune deletes deliveries moved on before the given time, a thousand per
// transaction so that a receiver never waits long behind it.
func (b *Inbox) Prune(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		res, err := b.db.ExecContext(ctx, `DELETE FROM vigil_inbox WHERE rowid IN (
			SELECT rowid FROM vigil_inbox WHERE moved_at != '' AND moved_at < ? LIMIT 1000)`,
			before.UTC().Format(stamp))
		if err != nil {
			return total, fmt.Errorf("prune webhook inbox: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("prune webhook inbox: %w", err)
		}
		total += n
		if n < 1000 {
			return total, nil
		}
	}
}
