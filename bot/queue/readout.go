package queue

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// ReadoutArgs is the periodic job that posts the scheduled read-out issue
// of every period that is due and not yet posted.
type ReadoutArgs struct{}

// Kind names the job in River's table.
func (ReadoutArgs) Kind() string { return "vigil_readout" }

// InsertOpts keeps one read-out job waiting or running at a time, across
// replicas: two at once could both find a period unposted.
func (ReadoutArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateScheduled, rivertype.JobStateRetryable,
	}}}
}

// addReadout registers the read-out worker and, with an interval, its
// periodic job. River's periodic jobs are enqueued by the elected leader
// only, so several replicas check once per interval; the ledger's record of
// posted periods makes the job itself idempotent.
func addReadout(workers *river.Workers, cfg *river.Config, opts Options) {
	if opts.Readout == nil {
		return
	}
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[ReadoutArgs]) error {
		return retryAfter(opts.Readout(ctx))
	}))
	if opts.ReadoutInterval > 0 {
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(opts.ReadoutInterval),
			func() (river.JobArgs, *river.InsertOpts) { return ReadoutArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}))
	}
}

// EnqueueReadout asks for the read-out check now, besides the periodic one;
// it is a no-op while one is already waiting or running.
func (q *Queue) EnqueueReadout(ctx context.Context) error {
	if _, err := q.client.Insert(ctx, ReadoutArgs{}, nil); err != nil {
		return fmt.Errorf("enqueue read-out: %w", err)
	}
	return nil
}
