package ledger

import (
	"context"
	"fmt"
)

// eachRow runs query through q and hands every row's Scan to row: the one
// place a ledger read opens, closes and checks its rows. what says what
// was being read, for the errors.
func eachRow(ctx context.Context, q Querier, what, query string, args []any, row func(scan func(dest ...any) error) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// column reads a one-column result, in order.
func column[T any](ctx context.Context, q Querier, what, query string, args ...any) ([]T, error) {
	var out []T
	err := eachRow(ctx, q, what, query, args, func(scan func(...any) error) error {
		var v T
		if err := scan(&v); err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	return out, err
}
