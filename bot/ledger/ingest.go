package ledger

import (
	"context"
	"fmt"
	"time"
)

// Ingest statuses.
const (
	IngestComplete = "complete"
	IngestRejected = "rejected"
)

// Ingest is one report read from one job's artifact.
type Ingest struct {
	Key        string
	ProjectID  int64
	PipelineID int64
	JobID      int64
	Artifact   string
	Asset      string
	Digest     string
	Findings   int
	Status     string
	Error      string
	At         time.Time
}

// PutIngest records an ingest and the fingerprints it saw inside q's transaction.
func (l *Ledger) PutIngest(ctx context.Context, q Querier, in Ingest, seen []string) error {
	_, err := q.ExecContext(ctx, l.rebind(`INSERT INTO vigil_ingests (ingest_key, project_id, pipeline_id, job_id, artifact, asset, digest, findings, status, error, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (ingest_key) DO UPDATE SET status = excluded.status, error = excluded.error, findings = excluded.findings,
		asset = excluded.asset, digest = excluded.digest, at = excluded.at`),
		in.Key, in.ProjectID, in.PipelineID, in.JobID, in.Artifact, in.Asset, in.Digest, in.Findings, in.Status, in.Error, formatTime(in.At))
	if err != nil {
		return fmt.Errorf("record ingest %s: %w", in.Key, err)
	}
	for _, fp := range seen {
		if _, err := q.ExecContext(ctx, l.rebind(`INSERT INTO vigil_ingest_seen (ingest_key, fingerprint) VALUES (?, ?) ON CONFLICT DO NOTHING`), in.Key, fp); err != nil {
			return fmt.Errorf("record ingest %s: %w", in.Key, err)
		}
	}
	return nil
}

// Ingests returns the ingests of a project, oldest first.
func (l *Ledger) Ingests(ctx context.Context, projectID int64) ([]Ingest, error) {
	rows, err := l.db.QueryContext(ctx, l.rebind(`SELECT ingest_key, project_id, pipeline_id, job_id, artifact, asset, digest, findings, status, error, at
		FROM vigil_ingests WHERE project_id = ? ORDER BY at, ingest_key`), projectID)
	if err != nil {
		return nil, fmt.Errorf("read ingests: %w", err)
	}
	defer rows.Close()
	var out []Ingest
	for rows.Next() {
		var in Ingest
		var at string
		if err := rows.Scan(&in.Key, &in.ProjectID, &in.PipelineID, &in.JobID, &in.Artifact, &in.Asset, &in.Digest,
			&in.Findings, &in.Status, &in.Error, &at); err != nil {
			return nil, fmt.Errorf("read ingests: %w", err)
		}
		in.At = parseTime(at)
		out = append(out, in)
	}
	return out, rows.Err()
}

// IngestStatus returns the status of an ingest, "" when it never ran.
func (l *Ledger) IngestStatus(ctx context.Context, key string) (string, error) {
	rows, err := l.db.QueryContext(ctx, l.rebind(`SELECT status FROM vigil_ingests WHERE ingest_key = ?`), key)
	if err != nil {
		return "", fmt.Errorf("read ingest %s: %w", key, err)
	}
	defer rows.Close()
	var s string
	if rows.Next() {
		if err := rows.Scan(&s); err != nil {
			return "", fmt.Errorf("read ingest %s: %w", key, err)
		}
	}
	return s, rows.Err()
}

// Seen returns the fingerprints an ingest saw.
func (l *Ledger) Seen(ctx context.Context, key string) ([]string, error) {
	rows, err := l.db.QueryContext(ctx, l.rebind(`SELECT fingerprint FROM vigil_ingest_seen WHERE ingest_key = ? ORDER BY fingerprint`), key)
	if err != nil {
		return nil, fmt.Errorf("read ingest %s: %w", key, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var fp string
		if err := rows.Scan(&fp); err != nil {
			return nil, err
		}
		out = append(out, fp)
	}
	return out, rows.Err()
}
