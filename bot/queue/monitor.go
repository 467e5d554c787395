package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// MonitorCheckArgs is the periodic job that looks for a new DB build.
type MonitorCheckArgs struct{}

// Kind names the job in River's table.
func (MonitorCheckArgs) Kind() string { return "vigil_monitor_check" }

// MonitorBatchArgs is one batch of stored SBOMs to match against a new DB
// build. The build travels as the matcher's own JSON (bot/monitor.Build);
// Vulnerabilities and Withdrawn are the diff's ids; Full says there was no
// diff (the builds could not be compared) and the match answers for all.
type MonitorBatchArgs struct {
	Build           json.RawMessage `json:"build"`
	Digests         []string        `json:"digests"`
	Full            bool            `json:"full,omitempty"`
	Vulnerabilities []string        `json:"vulnerabilities,omitempty"`
	Withdrawn       []string        `json:"withdrawn,omitempty"`
}

// Kind names the job in River's table.
func (MonitorBatchArgs) Kind() string { return "vigil_monitor_batch" }

// MonitorJobs are continuous monitoring's two jobs: the periodic check
// (every Interval, and at start), which enqueues batches, and the batches.
type MonitorJobs struct {
	Interval time.Duration
	Check    func(ctx context.Context) error
	Batch    func(ctx context.Context, args MonitorBatchArgs) error
	// Catalog, when set, makes the SBOM of an inventoried image no scan
	// job left one for (see CatalogArgs).
	Catalog func(ctx context.Context, args CatalogArgs) error
}

// addMonitor registers the monitoring workers and the periodic check.
func addMonitor(workers *river.Workers, cfg *river.Config, m *MonitorJobs) {
	if m == nil || m.Interval <= 0 {
		return
	}
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[MonitorCheckArgs]) error {
		return retryAfter(m.Check(ctx))
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[MonitorBatchArgs]) error {
		return retryAfter(m.Batch(ctx, job.Args))
	}))
	if m.Catalog != nil {
		river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[CatalogArgs]) error {
			return retryAfter(m.Catalog(ctx, job.Args))
		}))
	}
	cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(m.Interval),
		func() (river.JobArgs, *river.InsertOpts) { return MonitorCheckArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true}))
}

// EnqueueMonitorBatches adds batch jobs inside tx, so the new current build
// and the work it implies are committed together or not at all.
func (q *Queue) EnqueueMonitorBatches(ctx context.Context, tx *sql.Tx, batches []MonitorBatchArgs) error {
	if len(batches) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(batches))
	for i, b := range batches {
		params[i] = river.InsertManyParams{Args: b}
	}
	if _, err := q.client.InsertManyTx(ctx, tx, params); err != nil {
		return fmt.Errorf("enqueue %d monitoring batches: %w", len(batches), err)
	}
	return nil
}

// EnqueueMonitorCheck asks for a check for a new DB build now.
func (q *Queue) EnqueueMonitorCheck(ctx context.Context) error {
	if _, err := q.client.Insert(ctx, MonitorCheckArgs{}, nil); err != nil {
		return fmt.Errorf("enqueue monitoring check: %w", err)
	}
	return nil
}
