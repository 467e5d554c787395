package ledger

import (
	"context"
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
	return column[string](ctx, l.db, "list scopes", l.rebind(q))
}
