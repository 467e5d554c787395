package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Querier is what both *sql.DB and *sql.Tx offer; writes that must share a
// transaction with other work take one.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Dialect is the SQL flavour of the database.
type Dialect int

// Dialects. The schema is the same; only placeholders differ.
const (
	SQLite Dialect = iota
	Postgres
)

// Ledger is the bot's memory: deliveries, ingests, findings and issues.
type Ledger struct {
	db      *sql.DB
	dialect Dialect
}

// Open migrates the ledger tables in db and returns the ledger.
func Open(ctx context.Context, db *sql.DB, dialect Dialect) (*Ledger, error) {
	l := &Ledger{db: db, dialect: dialect}
	if err := l.migrate(ctx, 0); err != nil {
		return nil, fmt.Errorf("migrate ledger: %w", err)
	}
	return l, nil
}

// DB is the underlying database.
func (l *Ledger) DB() *sql.DB { return l.db }

// Tx runs fn in one transaction, committed when fn returns nil.
func (l *Ledger) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit transaction: %w", err)
	}
	return nil
}

// rebind turns ? placeholders into the dialect's.
func (l *Ledger) rebind(q string) string { return l.dialect.Rebind(q) }

// Dialect is the ledger's dialect.
func (l *Ledger) Dialect() Dialect { return l.dialect }

// Rebind turns ? placeholders into the dialect's ($1, $2, … on PostgreSQL).
func (d Dialect) Rebind(q string) string {
	if d != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// text is s as the dialect can store it. PostgreSQL's text holds neither
// NUL nor invalid UTF-8, which reports and webhook bodies from outside may
// carry (SQLite stores them as given): both become U+FFFD, so such input is
// recorded, not retried forever.
func (l *Ledger) text(s string) string {
	if l.dialect != Postgres {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("not found in ledger")

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
