package ledger

import (
	"context"
	"fmt"
	"strconv"
)

// PatchMemory is the patch engine's memory (mr.Memory) kept in the
// ledger: declined merge requests and the notes already posted, so that a
// restarted bot neither reopens the one nor repeats the other.
type PatchMemory struct{ l *Ledger }

// PatchMemory returns the ledger's patch memory.
func (l *Ledger) PatchMemory() PatchMemory { return PatchMemory{l} }

// Declined reports whether people closed vigil's merge request from branch.
func (m PatchMemory) Declined(ctx context.Context, project, branch string) (bool, error) {
	return m.has(ctx, project, "declined", branch)
}

// Decline records that people closed vigil's merge request from branch.
func (m PatchMemory) Decline(ctx context.Context, project, branch string) error {
	return m.put(ctx, project, "declined", branch)
}

// Said reports whether the note was posted on the issue.
func (m PatchMemory) Said(ctx context.Context, project string, issue int64, note string) (bool, error) {
	return m.has(ctx, project, "said", strconv.FormatInt(issue, 10)+" "+note)
}

// Say records that the note was posted on the issue.
func (m PatchMemory) Say(ctx context.Context, project string, issue int64, note string) error {
	return m.put(ctx, project, "said", strconv.FormatInt(issue, 10)+" "+note)
}

func (m PatchMemory) has(ctx context.Context, project, kind, item string) (bool, error) {
	var n int
	err := m.l.db.QueryRowContext(ctx, m.l.rebind(`SELECT COUNT(*) FROM vigil_patch_memory WHERE project = ? AND kind = ? AND item = ?`), project, kind, item).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("read patch memory of %s: %w", project, err)
	}
	return n > 0, nil
}

func (m PatchMemory) put(ctx context.Context, project, kind, item string) error {
	_, err := m.l.db.ExecContext(ctx, m.l.rebind(`INSERT INTO vigil_patch_memory (project, kind, item) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`), project, kind, item)
	if err != nil {
		return fmt.Errorf("record patch memory of %s: %w", project, err)
	}
	return nil
}
