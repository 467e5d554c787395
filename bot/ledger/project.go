package ledger

import (
	"context"
	"fmt"
)

// ProjectPath returns the remembered path of a project, "" when unknown.
func (l *Ledger) ProjectPath(ctx context.Context, projectID int64) (string, error) {
	rows, err := l.db.QueryContext(ctx, l.rebind(`SELECT path FROM vigil_projects WHERE project_id = ?`), projectID)
	if err != nil {
		return "", fmt.Errorf("read project %d: %w", projectID, err)
	}
	defer rows.Close()
	var p string
	if rows.Next() {
		if err := rows.Scan(&p); err != nil {
			return "", fmt.Errorf("read project %d: %w", projectID, err)
		}
	}
	return p, rows.Err()
}

// SetProjectPath remembers the path of a project.
func (l *Ledger) SetProjectPath(ctx context.Context, projectID int64, path string) error {
	_, err := l.db.ExecContext(ctx, l.rebind(`INSERT INTO vigil_projects (project_id, path) VALUES (?, ?)
		ON CONFLICT (project_id) DO UPDATE SET path = excluded.path`), projectID, path)
	if err != nil {
		return fmt.Errorf("record project %d: %w", projectID, err)
	}
	return nil
}

// Labels returns the labels known to exist in a project.
func (l *Ledger) Labels(ctx context.Context, projectID int64) (map[string]bool, error) {
	rows, err := l.db.QueryContext(ctx, l.rebind(`SELECT name FROM vigil_labels WHERE project_id = ?`), projectID)
	if err != nil {
		return nil, fmt.Errorf("read labels of project %d: %w", projectID, err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("read labels of project %d: %w", projectID, err)
		}
		out[n] = true
	}
	return out, rows.Err()
}

// AddLabels remembers labels that exist in a project.
func (l *Ledger) AddLabels(ctx context.Context, projectID int64, names []string) error {
	for _, n := range names {
		if _, err := l.db.ExecContext(ctx, l.rebind(`INSERT INTO vigil_labels (project_id, name) VALUES (?, ?) ON CONFLICT DO NOTHING`), projectID, n); err != nil {
			return fmt.Errorf("record label %q of project %d: %w", n, projectID, err)
		}
	}
	return nil
}
