package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/inventory"
)

// CoverageIssue is the coverage-gap issue of one owner project, as the bot
// last left it.
type CoverageIssue struct {
	ProjectID int64
	Owner     string // the project's path, as the inventory's owners name it
	IID       int64  // 0 until created or adopted
	State     string // opened or closed
	Hash      string // digest of the description last written
	// Gaps is the list that description shows.
	Gaps      []inventory.Gap
	UpdatedAt time.Time
}

// PutCoverageIssue inserts or replaces the record of a project's
// coverage-gap issue.
func (l *Ledger) PutCoverageIssue(ctx context.Context, c CoverageIssue) error {
	gaps, err := json.Marshal(c.Gaps)
	if err != nil {
		return fmt.Errorf("record coverage issue of %s: %w", c.Owner, err)
	}
	if c.Gaps == nil {
		gaps = []byte("[]")
	}
	_, err = l.db.ExecContext(ctx, l.rebind(`INSERT INTO vigil_coverage_issues
		(project_id, owner, issue_iid, state, content_hash, gaps, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (project_id) DO UPDATE SET owner = excluded.owner, issue_iid = excluded.issue_iid, state = excluded.state,
		content_hash = excluded.content_hash, gaps = excluded.gaps, updated_at = excluded.updated_at`),
		c.ProjectID, c.Owner, c.IID, c.State, c.Hash, string(gaps), formatTime(c.UpdatedAt))
	if err != nil {
		return fmt.Errorf("record coverage issue of %s: %w", c.Owner, err)
	}
	return nil
}

// CoverageIssues lists every coverage-gap issue record, by project.
func (l *Ledger) CoverageIssues(ctx context.Context) ([]CoverageIssue, error) {
	var out []CoverageIssue
	err := eachRow(ctx, l.db, "list coverage issues", `SELECT project_id, owner, issue_iid, state, content_hash, gaps, updated_at
		FROM vigil_coverage_issues ORDER BY project_id`, nil, func(scan func(...any) error) error {
		var c CoverageIssue
		var gaps, updated string
		if err := scan(&c.ProjectID, &c.Owner, &c.IID, &c.State, &c.Hash, &gaps, &updated); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(gaps), &c.Gaps); err != nil {
			return fmt.Errorf("coverage issue of %s: stored gaps: %w", c.Owner, err)
		}
		c.UpdatedAt = parseTime(updated)
		out = append(out, c)
		return nil
	})
	return out, err
}
