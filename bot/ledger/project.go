package ledger

import (
	"context"
	"fmt"
)

// ProjectPath returns the remembered path of a project, "" when unknown.
func (l *Ledger) ProjectPath(ctx context.Context, projectID int64) (string, error) {
	p, err := column[string](ctx, l.db, fmt.Sprintf("read project %d", projectID), l.rebind(`SELECT path FROM vigil_projects WHERE project_id = ?`), projectID)
	if err != nil || len(p) == 0 {
		return "", err
	}
	return p[0], nil
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
	names, err := column[string](ctx, l.db, fmt.Sprintf("read labels of project %d", projectID), l.rebind(`SELECT name FROM vigil_labels WHERE project_id = ?`), projectID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(names))
	for _, n := range names {
		out[n] = true
	}
	return out, nil
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
