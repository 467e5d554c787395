package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// TableCount is how many rows one table holds.
type TableCount struct {
	Table string
	Rows  int64
}

// Tables lists the ledger's tables, as the migrations made them (SQLite).
func (l *Ledger) Tables(ctx context.Context) ([]string, error) {
	if l.dialect != SQLite {
		return nil, fmt.Errorf("list ledger tables: only a SQLite ledger is copied from")
	}
	return column[string](ctx, l.db, "list ledger tables", `SELECT name FROM sqlite_master WHERE type = 'table'
		AND name LIKE 'vigil\_%' ESCAPE '\' AND name <> ? ORDER BY name`, versionTable)
}

// CopyTo copies every table of l (SQLite) into dst's tx, a transaction of
// dst, which must hold no ledger yet: copying into a used ledger would mix
// two histories, so it is refused and nothing is written.
func (l *Ledger) CopyTo(ctx context.Context, dst *Ledger, tx *sql.Tx) ([]TableCount, error) {
	tables, err := l.Tables(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		var n int64
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s in the destination: %w", t, err)
		}
		if n > 0 {
			return nil, fmt.Errorf("the destination already holds a ledger (%d rows in %s); the copy goes into an empty database only, and nothing was copied", n, t)
		}
	}
	var out []TableCount
	for _, t := range tables {
		n, err := CopyRows(ctx, l.db, tx, dst.dialect, t, `SELECT * FROM `+t)
		if err != nil {
			return nil, err
		}
		out = append(out, TableCount{t, n})
	}
	return out, nil
}

// CopyRows inserts the rows query returns from src into table, in tx of
// the dialect d, column by column under the query's column names. Text is
// made storable in d (see Ledger.text); nothing else is changed.
func CopyRows(ctx context.Context, src Querier, tx *sql.Tx, d Dialect, table, query string) (int64, error) {
	rows, err := src.QueryContext(ctx, query)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", table, err)
	}
	insert := d.Rebind(`INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES (?` + strings.Repeat(", ?", len(cols)-1) + `)`)
	stmt, err := tx.PrepareContext(ctx, insert)
	if err != nil {
		return 0, fmt.Errorf("copy %s: %w", table, err)
	}
	defer stmt.Close()
	to := &Ledger{dialect: d}
	vals, ptrs := make([]any, len(cols)), make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, fmt.Errorf("read %s: %w", table, err)
		}
		for i, v := range vals {
			if s, ok := v.(string); ok {
				vals[i] = to.text(s)
			}
		}
		if _, err := stmt.ExecContext(ctx, vals...); err != nil {
			return n, fmt.Errorf("copy row %d of %s: %w", n+1, table, err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("read %s: %w", table, err)
	}
	return n, nil
}

// QueuedDeliveries are the keys of deliveries recorded but not finished,
// read through q: their jobs must exist wherever the ledger goes.
func (l *Ledger) QueuedDeliveries(ctx context.Context, q Querier) ([]string, error) {
	return column[string](ctx, q, "list queued deliveries", l.rebind(`SELECT dedup_key FROM vigil_deliveries WHERE status = ? ORDER BY received_at, dedup_key`), DeliveryQueued)
}
