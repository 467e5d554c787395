package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Readout is one posted read-out issue: the period it covers (named by its
// start date, YYYY-MM-DD) and where it is.
type Readout struct {
	Period    string
	ProjectID int64
	IssueIID  int64
	WebURL    string
	PostedAt  time.Time
}

// Readouts are the scheduled read-outs the bot has posted.
type Readouts struct{ l *Ledger }

// Readouts returns the ledger's record of posted read-outs.
func (l *Ledger) Readouts() Readouts { return Readouts{l} }

// Posted returns the read-out of period, or ErrNotFound.
func (r Readouts) Posted(ctx context.Context, period string) (Readout, error) {
	return r.one(ctx, `SELECT period, project_id, issue_iid, web_url, posted_at FROM vigil_readouts WHERE period = ?`, period)
}

// Before returns the latest read-out of a period before period, or
// ErrNotFound when there is none.
func (r Readouts) Before(ctx context.Context, period string) (Readout, error) {
	return r.one(ctx, `SELECT period, project_id, issue_iid, web_url, posted_at FROM vigil_readouts
		WHERE period < ? ORDER BY period DESC LIMIT 1`, period)
}

func (r Readouts) one(ctx context.Context, q string, args ...any) (Readout, error) {
	var out Readout
	var at string
	err := r.l.db.QueryRowContext(ctx, r.l.rebind(q), args...).Scan(&out.Period, &out.ProjectID, &out.IssueIID, &out.WebURL, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return Readout{}, ErrNotFound
	}
	if err != nil {
		return Readout{}, fmt.Errorf("read posted read-outs: %w", err)
	}
	out.PostedAt = parseTime(at)
	return out, nil
}

// Record remembers a posted read-out. Recording a period again keeps the
// first record: the issue already posted stays the period's.
func (r Readouts) Record(ctx context.Context, ro Readout) error {
	_, err := r.l.db.ExecContext(ctx, r.l.rebind(`INSERT INTO vigil_readouts (period, project_id, issue_iid, web_url, posted_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (period) DO NOTHING`), ro.Period, ro.ProjectID, ro.IssueIID, ro.WebURL, formatTime(ro.PostedAt))
	if err != nil {
		return fmt.Errorf("record read-out of %s: %w", ro.Period, err)
	}
	return nil
}
