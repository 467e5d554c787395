package inbox

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/webhook"
	"gitlab.com/vigil-vm/vigil/internal/postgres"
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

// pgSchema is the same table on PostgreSQL, with a sequence for the order
// SQLite's rowid gives.
var pgSchema = []string{`CREATE TABLE IF NOT EXISTS vigil_inbox (
	seq         BIGINT GENERATED ALWAYS AS IDENTITY,
	dedup_key   TEXT PRIMARY KEY,
	event       TEXT NOT NULL,
	body        BYTEA NOT NULL,
	received_at TEXT NOT NULL,
	moved_at    TEXT NOT NULL DEFAULT ''
)`,
	`CREATE INDEX IF NOT EXISTS vigil_inbox_moved ON vigil_inbox (moved_at)`,
	`CREATE INDEX IF NOT EXISTS vigil_inbox_seq ON vigil_inbox (seq) WHERE moved_at = ''`,
}

// migrateLockKey is the inbox's migration lock among postgres.NamespaceMigrate's.
const migrateLockKey = 3

// stamp has a fixed width, so that times compare as text.
const stamp = "2006-01-02T15:04:05.000000000Z"

// Inbox is the receiver's store (webhook.Store).
type Inbox struct {
	db      *sql.DB
	dialect ledger.Dialect
	shared  bool // the ledger's database (its own pool or the ledger's), not a file of its own
	own     bool // Close closes db
	wake    chan struct{}
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
	return &Inbox{db: db, dialect: ledger.SQLite, own: true, wake: make(chan struct{}, 1)}, nil
}

// ReceiverConns is the pool OpenPostgresPool keeps for the receiver. An
// ack is one INSERT of about a millisecond, so a few connections ack
// thousands a second; every one stays open, so no ack pays for a new
// session (a backend process to fork and authenticate).
const ReceiverConns = 8

// OpenPostgresPool opens the inbox in the ledger's PostgreSQL database at
// url with a pool of its own of conns connections, so that an ack never
// waits for a connection behind the workers and the dispatcher, which hold
// the ledger's pool. Pending and Moved still run in the ledger's
// transaction. Close closes the pool.
func OpenPostgresPool(ctx context.Context, url string, conns int) (*Inbox, error) {
	db, err := postgres.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	b, err := OpenPostgres(ctx, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	b.own = true
	return b, nil
}

// OpenPostgres creates the inbox table in db, the ledger's PostgreSQL
// database, unless it exists, and uses db's pool. Close leaves db open.
func OpenPostgres(ctx context.Context, db *sql.DB) (*Inbox, error) {
	unlock, err := postgres.Lock(ctx, db, postgres.NamespaceMigrate, migrateLockKey)
	if err != nil {
		return nil, err
	}
	defer unlock()
	for _, stmt := range pgSchema {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return nil, fmt.Errorf("create webhook inbox: %w", err)
		}
	}
	return &Inbox{db: db, dialect: ledger.Postgres, shared: true, wake: make(chan struct{}, 1)}, nil
}

// Shared reports whether the inbox lives in the ledger's database, so that
// Pending and Moved can run in the ledger's transaction.
func (b *Inbox) Shared() bool { return b.shared }

// Close closes the inbox's own file or pool; a pool it was given stays open.
func (b *Inbox) Close() error {
	if !b.own {
		return nil
	}
	return b.db.Close()
}

// Pool is the handle the receiver stores with, for its pool statistics.
func (b *Inbox) Pool() *sql.DB { return b.db }

// Accept stores a delivery. It returns false, and stores nothing, when a
// delivery with the same key is still here.
func (b *Inbox) Accept(ctx context.Context, d webhook.Delivery) (bool, error) {
	res, err := b.db.ExecContext(ctx, b.dialect.Rebind(`INSERT INTO vigil_inbox (dedup_key, event, body, received_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (dedup_key) DO NOTHING`),
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
// tx, when the inbox is Shared, is the ledger's transaction: the rows it
// returns are locked until it ends and skipped by other replicas'.
func (b *Inbox) Pending(ctx context.Context, tx *sql.Tx, limit int) ([]webhook.Delivery, error) {
	q := `SELECT dedup_key, event, body, received_at FROM vigil_inbox
		WHERE moved_at = '' ORDER BY rowid LIMIT ?`
	if b.dialect == ledger.Postgres {
		q = `SELECT dedup_key, event, body, received_at FROM vigil_inbox
		WHERE moved_at = '' ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`
	}
	rows, err := b.querier(tx).QueryContext(ctx, q, limit)
	if err != nil {
		return nil, fmt.Errorf("read webhook inbox: %w", err)
	}
	defer rows.Close()
	var out []webhook.Delivery
	for rows.Next() {
		var d webhook.Delivery
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

// Moved marks deliveries as handed over to the ledger at the given time,
// in tx when the inbox is Shared.
func (b *Inbox) Moved(ctx context.Context, tx *sql.Tx, keys []string, at time.Time) error {
	if len(keys) == 0 {
		return nil
	}
	args := []any{at.UTC().Format(stamp)}
	for _, k := range keys {
		args = append(args, k)
	}
	q := `UPDATE vigil_inbox SET moved_at = ? WHERE dedup_key IN (?` + strings.Repeat(", ?", len(keys)-1) + `)`
	if _, err := b.querier(tx).ExecContext(ctx, b.dialect.Rebind(q), args...); err != nil {
		return fmt.Errorf("mark %d webhook deliveries moved: %w", len(keys), err)
	}
	return nil
}

// Prune deletes deliveries moved on before the given time, a thousand per
// transaction so that a receiver never waits long behind it.
func (b *Inbox) Prune(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		res, err := b.db.ExecContext(ctx, b.dialect.Rebind(`DELETE FROM vigil_inbox WHERE dedup_key IN (
			SELECT dedup_key FROM vigil_inbox WHERE moved_at != '' AND moved_at < ? LIMIT 1000)`),
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

// querier is tx when the inbox shares the ledger's database, else its own.
func (b *Inbox) querier(tx *sql.Tx) ledger.Querier {
	if b.shared && tx != nil {
		return tx
	}
	return b.db
}

// CopyPending copies the deliveries not moved on yet into dst's table, in
// tx (a transaction of dst's database), and returns how many.
func (b *Inbox) CopyPending(ctx context.Context, dst *Inbox, tx *sql.Tx) (int64, error) {
	order := "rowid"
	if b.dialect == ledger.Postgres {
		order = "seq"
	}
	return ledger.CopyRows(ctx, b.db, tx, dst.dialect, "vigil_inbox",
		`SELECT dedup_key, event, body, received_at, moved_at FROM vigil_inbox WHERE moved_at = '' ORDER BY `+order)
}
