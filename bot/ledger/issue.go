package ledger

import (
	"context"
	"fmt"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Issue is the tracking issue of one finding group.
type Issue struct {
	Group     string
	ProjectID int64
	IID       int64  // 0 until created or adopted
	State     string // opened or closed, as the bot last left it
	Hash      string // digest of the content last written
	// ClockStart is when the SLA clock started; Due the date it runs out
	// (moved earlier when severity rises, never later).
	ClockStart time.Time
	Due        time.Time
	// Reminded is the SLA stage whose reminder note was posted (sla.Stage).
	Reminded         int
	Deviation        bool
	Exception        findings.ExceptionKind
	ExceptionReason  string
	ExceptionExpires time.Time
	ExceptionBy      string
}

const issueColumns = `group_key, project_id, issue_iid, state, content_hash, clock_start, due_date, reminded_stage,
	deviation, exception, exception_reason, exception_expires, exception_by`

// PutIssue inserts or replaces an issue record.
func (l *Ledger) PutIssue(ctx context.Context, is Issue) error { return l.PutIssueTx(ctx, l.db, is) }

// PutIssueTx inserts or replaces an issue record inside q's transaction.
func (l *Ledger) PutIssueTx(ctx context.Context, q Querier, is Issue) error {
	_, err := q.ExecContext(ctx, l.rebind(`INSERT INTO vigil_issues (`+issueColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (group_key) DO UPDATE SET project_id = excluded.project_id, issue_iid = excluded.issue_iid,
		state = excluded.state, content_hash = excluded.content_hash, clock_start = excluded.clock_start,
		due_date = excluded.due_date, reminded_stage = excluded.reminded_stage, deviation = excluded.deviation,
		exception = excluded.exception, exception_reason = excluded.exception_reason,
		exception_expires = excluded.exception_expires, exception_by = excluded.exception_by`),
		is.Group, is.ProjectID, is.IID, is.State, is.Hash, formatTime(is.ClockStart), formatTime(is.Due), is.Reminded,
		boolInt(is.Deviation), is.Exception, is.ExceptionReason, formatTime(is.ExceptionExpires), is.ExceptionBy)
	if err != nil {
		return fmt.Errorf("record issue of group %s: %w", is.Group, err)
	}
	return nil
}

// Issue returns the issue record of a group.
func (l *Ledger) Issue(ctx context.Context, group string) (Issue, error) {
	is, err := l.queryIssues(ctx, `WHERE group_key = ?`, group)
	if err != nil {
		return Issue{}, err
	}
	if len(is) == 0 {
		return Issue{}, fmt.Errorf("issue of group %s: %w", group, ErrNotFound)
	}
	return is[0], nil
}

// IssueByIID returns the issue record of a project's issue.
func (l *Ledger) IssueByIID(ctx context.Context, projectID, iid int64) (Issue, error) {
	is, err := l.queryIssues(ctx, `WHERE project_id = ? AND issue_iid = ?`, projectID, iid)
	if err != nil {
		return Issue{}, err
	}
	if len(is) == 0 {
		return Issue{}, fmt.Errorf("issue %d of project %d: %w", iid, projectID, ErrNotFound)
	}
	return is[0], nil
}

// TrackedIssues returns every issue record that has a GitLab issue.
func (l *Ledger) TrackedIssues(ctx context.Context) ([]Issue, error) {
	return l.queryIssues(ctx, `WHERE issue_iid > 0 ORDER BY project_id, issue_iid`)
}

func (l *Ledger) queryIssues(ctx context.Context, where string, args ...any) ([]Issue, error) {
	var out []Issue
	err := eachRow(ctx, l.db, "read issues", l.rebind(`SELECT `+issueColumns+` FROM vigil_issues `+where), args, func(scan func(...any) error) error {
		var is Issue
		var start, due, expires string
		var deviation int
		if err := scan(&is.Group, &is.ProjectID, &is.IID, &is.State, &is.Hash, &start, &due, &is.Reminded,
			&deviation, &is.Exception, &is.ExceptionReason, &expires, &is.ExceptionBy); err != nil {
			return err
		}
		is.ClockStart, is.Due, is.ExceptionExpires, is.Deviation = parseTime(start), parseTime(due), parseTime(expires), deviation != 0
		out = append(out, is)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
