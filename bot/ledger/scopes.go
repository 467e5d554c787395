package ledger

import (
	"context"
	"fmt"
)

// Scopes are the project paths and tiers the bot has seen (in its
// projects, its history and the inventory), sorted: the choices a
// dashboard's filters offer.
func (l *Ledger) Scopes(ctx context.Context) (projects, tiers []string, err error) {
	if projects, err = l.strings(ctx, `SELECT path FROM vigil_projects WHERE path <> ''
		UNION SELECT project_path FROM vigil_events WHERE project_path <> '' ORDER BY 1`); err != nil {
		return nil, nil, err
	}
	tiers, err = l.strings(ctx, `SELECT tier FROM vigil_asset_images WHERE tier <> ''
		UNION SELECT tier FROM vigil_asset_running WHERE tier <> ''
		UNION SELECT tier FROM vigil_events WHERE tier <> '' ORDER BY 1`)
	return projects, tiers, err
}

func (l *Ledger) strings(ctx context.Context, q string) ([]string, error) {
	rows, err := l.db.QueryContext(ctx, l.rebind(q))
	if err != nil {
		return nil, fmt.Errorf("list scopes: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("list scopes: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
