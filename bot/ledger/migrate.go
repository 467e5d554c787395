package ledger

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/postgres"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrateLockKey is the ledger's migration lock among postgres.NamespaceMigrate's.
const migrateLockKey = 1

// migrate applies every migration not yet recorded, each in its own
// transaction. On PostgreSQL replicas starting at once take turns under an
// advisory lock; whoever comes second finds the work done.
func (l *Ledger) migrate(ctx context.Context) error {
	if l.dialect == Postgres {
		unlock, err := postgres.Lock(ctx, l.db, postgres.NamespaceMigrate, migrateLockKey)
		if err != nil {
			return err
		}
		defer unlock()
	}
	return l.migrateAll(ctx)
}

func (l *Ledger) migrateAll(ctx context.Context) error {
	if _, err := l.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS vigil_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s has no version number: %w", base, err)
		}
		if err := l.apply(ctx, v, name); err != nil {
			return fmt.Errorf("apply migration %s: %w", base, err)
		}
	}
	return nil
}

func (l *Ledger) apply(ctx context.Context, version int, name string) error {
	script, err := migrationFS.ReadFile(name)
	if err != nil {
		return err
	}
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, l.rebind(`SELECT COUNT(*) FROM vigil_migrations WHERE version = ?`), version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	for _, stmt := range statements(string(script)) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%.60s…: %w", stmt, err)
		}
	}
	if _, err := tx.ExecContext(ctx, l.rebind(`INSERT INTO vigil_migrations (version, applied_at) VALUES (?, ?)`),
		version, formatTime(time.Now())); err != nil {
		return err
	}
	return tx.Commit()
}

// statements splits a script on semicolons that end a line; comments are dropped.
func statements(script string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(script, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteString("\n")
		if strings.HasSuffix(trimmed, ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}
