package ledger

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"

	"gitlab.com/vigil-vm/vigil/internal/postgres"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// versionTable is where goose records the applied migrations.
const versionTable = "vigil_schema_versions"

// legacyTable is where vigil's own runner recorded them before goose.
const legacyTable = "vigil_migrations"

// migrateLockKey is the ledger's migration lock among postgres.NamespaceMigrate's.
const migrateLockKey = 1

// migrate applies every migration not yet recorded up to version upTo (0:
// all), each in its own transaction (goose). On PostgreSQL replicas
// starting at once take turns under an advisory lock; whoever comes second
// finds the work done.
func (l *Ledger) migrate(ctx context.Context, upTo int64) error {
	if l.dialect == Postgres {
		unlock, err := postgres.Lock(ctx, l.db, postgres.NamespaceMigrate, migrateLockKey)
		if err != nil {
			return err
		}
		defer unlock()
	}
	dialect := goose.DialectSQLite3
	if l.dialect == Postgres {
		dialect = goose.DialectPostgres
	}
	store, err := database.NewStore(dialect, versionTable)
	if err != nil {
		return err
	}
	if err := l.adoptLegacy(ctx, store); err != nil {
		return fmt.Errorf("take over the migrations recorded in %s: %w", legacyTable, err)
	}
	sub, err := fs.Sub(migrationFS, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider("", l.db, sub, goose.WithStore(store), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return err
	}
	if upTo > 0 {
		_, err = p.UpTo(ctx, upTo)
	} else {
		_, err = p.Up(ctx)
	}
	return err
}

// adoptLegacy records in goose's table the migrations a ledger made before
// goose lists in its own table, and drops that table, in one transaction:
// goose then applies only what came after.
func (l *Ledger) adoptLegacy(ctx context.Context, store database.Store) error {
	if exists, err := l.tableExists(ctx, legacyTable); err != nil || !exists {
		return err // a new ledger, or one already taken over
	}
	var versions []int64
	rows, err := l.db.QueryContext(ctx, `SELECT version FROM `+legacyTable+` ORDER BY version`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		versions = append(versions, v)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	return l.Tx(ctx, func(tx *sql.Tx) error {
		if err := store.CreateVersionTable(ctx, tx); err != nil {
			return err
		}
		// goose's own first row: version 0, the empty schema.
		for _, v := range append([]int64{0}, versions...) {
			if err := store.Insert(ctx, tx, database.InsertRequest{Version: v}); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `DROP TABLE `+legacyTable)
		return err
	})
}

func (l *Ledger) tableExists(ctx context.Context, name string) (bool, error) {
	q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`
	if l.dialect == Postgres {
		q = `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?`
	}
	var n int
	err := l.db.QueryRowContext(ctx, l.rebind(q), name).Scan(&n)
	return n > 0, err
}
