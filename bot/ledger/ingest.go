package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Ingest statuses.
const (
	IngestComplete = "complete" // recorded; the report was complete for its scope
	IngestRejected = "rejected" // a report exists but cannot be used
	IngestSkipped  = "skipped"  // nothing to record, for the reason given
)

// Ingest is what became of one job's report, or of a job that gave none.
type Ingest struct {
	Key        string
	ProjectID  int64
	PipelineID int64
	JobID      int64
	JobName    string
	Ref        string
	Artifact   string
	Asset      string
	Digest     string
	Findings   int
	Status     string
	Reason     string // why it was skipped or rejected, from a fixed set
	Error      string
	At         time.Time
}

const ingestColumns = `ingest_key, project_id, pipeline_id, job_id, job_name, ref, artifact, asset, digest, findings, status, reason, error, at`

// PutIngest records an ingest inside q's transaction; a later outcome for
// the same key replaces the earlier one.
func (l *Ledger) PutIngest(ctx context.Context, q Querier, in Ingest) error {
	_, err := q.ExecContext(ctx, l.rebind(`INSERT INTO vigil_ingests (`+ingestColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (ingest_key) DO UPDATE SET status = excluded.status, reason = excluded.reason, error = excluded.error,
		findings = excluded.findings, asset = excluded.asset, digest = excluded.digest, job_name = excluded.job_name,
		ref = excluded.ref, at = excluded.at`),
		in.Key, in.ProjectID, in.PipelineID, in.JobID, l.text(in.JobName), l.text(in.Ref), l.text(in.Artifact), l.text(in.Asset), l.text(in.Digest), in.Findings,
		in.Status, l.text(in.Reason), l.text(in.Error), formatTime(in.At))
	if err != nil {
		return fmt.Errorf("record ingest %s: %w", in.Key, err)
	}
	return nil
}

// IngestFilter selects ingests; zero fields select everything.
type IngestFilter struct {
	ProjectID int64
	Status    string
	Limit     int // newest first; 100 when zero
}

// Ingests returns ingests, newest first.
func (l *Ledger) Ingests(ctx context.Context, f IngestFilter) ([]Ingest, error) {
	var where []string
	var args []any
	if f.ProjectID != 0 {
		where, args = append(where, "project_id = ?"), append(args, f.ProjectID)
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, f.Status)
	}
	query := `SELECT ` + ingestColumns + ` FROM vigil_ingests`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	query += fmt.Sprintf(" ORDER BY at DESC, ingest_key LIMIT %d", f.Limit)
	var out []Ingest
	err := eachRow(ctx, l.db, "read ingests", l.rebind(query), args, func(scan func(...any) error) error {
		var in Ingest
		var at string
		if err := scan(&in.Key, &in.ProjectID, &in.PipelineID, &in.JobID, &in.JobName, &in.Ref, &in.Artifact,
			&in.Asset, &in.Digest, &in.Findings, &in.Status, &in.Reason, &in.Error, &at); err != nil {
			return err
		}
		in.At = parseTime(at)
		out = append(out, in)
		return nil
	})
	return out, err
}

// IngestOutcome returns the status and reason recorded under key, empty
// when there is none.
func (l *Ledger) IngestOutcome(ctx context.Context, key string) (status, reason string, err error) {
	err = l.db.QueryRowContext(ctx, l.rebind(`SELECT status, reason FROM vigil_ingests WHERE ingest_key = ?`), key).Scan(&status, &reason)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("read ingest %s: %w", key, err)
	}
	return status, reason, nil
}

// IngestStatus returns the status of an ingest, "" when it never ran.
func (l *Ledger) IngestStatus(ctx context.Context, key string) (string, error) {
	s, err := column[string](ctx, l.db, "read ingest "+key, l.rebind(`SELECT status FROM vigil_ingests WHERE ingest_key = ?`), key)
	if err != nil || len(s) == 0 {
		return "", err
	}
	return s[0], nil
}

// JobHandled reports whether a job has an ingest record of any outcome, and
// whether one is a complete report: a Job Hook and the Pipeline Hook of the
// same pipeline both name the job.
func (l *Ledger) JobHandled(ctx context.Context, projectID, jobID int64) (handled, complete bool, err error) {
	var n, c int
	err = l.db.QueryRowContext(ctx, l.rebind(`SELECT COUNT(*), COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0) FROM vigil_ingests WHERE project_id = ? AND job_id = ?`),
		IngestComplete, projectID, jobID).Scan(&n, &c)
	if err != nil {
		return false, false, fmt.Errorf("read ingests of job %d: %w", jobID, err)
	}
	return n > 0, c > 0, nil
}

// ScanRecorded reports whether a job of this name ever recorded a complete
// report on ref: whether there is a scan to compare a merge request with.
func (l *Ledger) ScanRecorded(ctx context.Context, projectID int64, jobName, ref string) (bool, error) {
	var n int
	err := l.db.QueryRowContext(ctx, l.rebind(`SELECT COUNT(*) FROM vigil_ingests WHERE project_id = ? AND job_name = ? AND ref = ? AND status = ?`),
		projectID, jobName, ref, IngestComplete).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("read scans of job %s on %s: %w", jobName, ref, err)
	}
	return n > 0, nil
}
