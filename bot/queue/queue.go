package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"gitlab.com/vigil-vm/vigil/internal/postgres"
)

// Handler does the work of the jobs.
type Handler interface {
	// HandleDelivery processes the stored delivery with this key.
	HandleDelivery(ctx context.Context, key string) error
	// Sweep applies SLA stages to every tracked issue.
	Sweep(ctx context.Context) error
}

// RetryAfter is an error that knows when its operation may be tried again,
// such as a GitLab 429 with a Retry-After header.
type RetryAfter interface {
	error
	RetryAfter() time.Duration
}

// Options tune the queue.
type Options struct {
	Workers       int           // concurrent jobs; 0 means 2
	MaxAttempts   int           // attempts per job before it is discarded; 0 means 10
	SweepInterval time.Duration // 0 disables the periodic SLA sweep
	PollInterval  time.Duration // how often to look for new jobs; 0 means 200ms
	// JobTimeout is the ceiling of any job; 0 means one hour. Deliveries
	// work within a smaller budget that grows with their work (bot/budget).
	JobTimeout time.Duration
	// RecoverRunning makes jobs left running by a process that died available
	// again at once. Only for the embedded SQLite file, which one process owns;
	// on PostgreSQL each replica holds a liveness lock and the others make
	// a dead replica's running jobs available within seconds (liveness.go),
	// River's rescuer being the fallback after JobTimeout.
	RecoverRunning bool
	// Postgres puts the queue on a PostgreSQL database shared by replicas
	// (River's database/sql driver over pgx) instead of a SQLite file.
	Postgres bool
	// Inventory, when set, runs every InventoryInterval (and at start) as a
	// periodic job, so several replicas inventory once per period.
	Inventory         func(ctx context.Context) error
	InventoryInterval time.Duration
	// Readout, when set, posts the scheduled read-outs that are due; it runs
	// every ReadoutInterval (and at start) as a periodic job (readout.go).
	Readout         func(ctx context.Context) error
	ReadoutInterval time.Duration
	// Monitor, when set, runs continuous monitoring's jobs (monitor.go).
	Monitor *MonitorJobs
}

// Queue is River on the ledger's database.
type Queue struct {
	client *river.Client[*sql.Tx]
	db     *sql.DB
	log    *slog.Logger
	pg     bool
	// On PostgreSQL: ends the liveness lock and recovery (liveness.go).
	stopLiveness context.CancelFunc
	livenessDone chan struct{}
}

// New migrates River's tables in db (SQLite) and builds a client whose
// workers call h. Jobs are worked once Start is called.
func New(ctx context.Context, db *sql.DB, h Handler, opts Options, log *slog.Logger) (*Queue, error) {
	driver := newDriver(db, opts.Postgres)
	if err := migrate(ctx, db, driver, opts.Postgres, log); err != nil {
		return nil, err
	}
	if opts.RecoverRunning && !opts.Postgres {
		if _, err := db.ExecContext(ctx, `UPDATE river_job SET state = 'available', scheduled_at = datetime('now', 'subsec') WHERE state = 'running'`); err != nil {
			return nil, fmt.Errorf("recover jobs of a previous run: %w", err)
		}
	}
	if opts.Workers <= 0 {
		opts.Workers = 2
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 10
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 200 * time.Millisecond
	}
	if opts.JobTimeout <= 0 {
		opts.JobTimeout = time.Hour
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[DeliveryArgs]) error {
		return retryAfter(h.HandleDelivery(ctx, job.Args.Key))
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[SweepArgs]) error {
		return retryAfter(h.Sweep(ctx))
	}))
	cfg := &river.Config{
		Logger:            log,
		Workers:           workers,
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: opts.Workers}},
		MaxAttempts:       opts.MaxAttempts,
		FetchPollInterval: opts.PollInterval,
		FetchCooldown:     opts.PollInterval / 4,
		JobTimeout:        opts.JobTimeout,
		PollOnly:          true,
		// Beyond JobTimeout a job is stuck (its process died): rescue it
		// soon after; River's rescuer looks every 30 s.
		RescueStuckJobsAfter: opts.JobTimeout + min(opts.JobTimeout, time.Minute),
	}
	if opts.SweepInterval > 0 {
		cfg.PeriodicJobs = []*river.PeriodicJob{periodic(SweepArgs{}, opts.SweepInterval, opts.Postgres)}
	}
	if opts.Inventory != nil && opts.InventoryInterval > 0 {
		river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[InventoryArgs]) error {
			return opts.Inventory(ctx)
		}))
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, periodic(InventoryArgs{}, opts.InventoryInterval, opts.Postgres))
	}
	addReadout(workers, cfg, opts)
	addMonitor(workers, cfg, opts.Monitor)
	client, err := river.NewClient(driver, cfg)
	if err != nil {
		return nil, fmt.Errorf("create queue client: %w", err)
	}
	return &Queue{client: client, db: db, log: log, pg: opts.Postgres}, nil
}

// newDriver is River's driver for db. On PostgreSQL it is the database/sql
// driver (over pgx's stdlib), not riverpgxv5: the ledger and the inbox work
// in *sql.Tx, and a delivery's job is inserted in the transaction that
// records it, on either database.
func newDriver(db *sql.DB, pg bool) riverdriver.Driver[*sql.Tx] {
	if pg {
		return riverdatabasesql.New(db)
	}
	return riversqlite.New(db)
}

// migrateLockKey is River's migration lock among postgres.NamespaceMigrate's.
const migrateLockKey = 2

// migrate brings River's tables up to date; replicas starting at once on
// PostgreSQL take turns.
func migrate(ctx context.Context, db *sql.DB, driver riverdriver.Driver[*sql.Tx], pg bool, log *slog.Logger) error {
	if pg {
		unlock, err := postgres.Lock(ctx, db, postgres.NamespaceMigrate, migrateLockKey)
		if err != nil {
			return err
		}
		defer unlock()
	}
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: log})
	if err != nil {
		return fmt.Errorf("prepare queue migrations: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate queue tables: %w", err)
	}
	return nil
}

// periodic is a job run every interval, and at start. Several replicas
// share one leader that schedules it; on PostgreSQL it is also unique per
// period, so a new leader taking over (its own start) does not run it twice
// (River takes periods of a second or more).
func periodic(args river.JobArgs, every time.Duration, pg bool) *river.PeriodicJob {
	var opts *river.InsertOpts
	if pg && every >= time.Second {
		opts = &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: every}}
	}
	return river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return args, opts },
		&river.PeriodicJobOpts{RunOnStart: true})
}

// retryAfter turns an error that names its retry time into a River snooze,
// so the next attempt waits at least as long as GitLab asked.
func retryAfter(err error) error {
	var ra RetryAfter
	if errors.As(err, &ra) && ra.RetryAfter() > 0 {
		return river.JobSnooze(ra.RetryAfter())
	}
	return err
}

// EnqueueDeliveries adds the jobs for stored deliveries inside tx, so the
// deliveries and their jobs are committed together or not at all.
func (q *Queue) EnqueueDeliveries(ctx context.Context, tx *sql.Tx, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(keys))
	for i, k := range keys {
		params[i] = river.InsertManyParams{Args: DeliveryArgs{Key: k}}
	}
	if _, err := q.client.InsertManyTx(ctx, tx, params); err != nil {
		return fmt.Errorf("enqueue %d deliveries: %w", len(keys), err)
	}
	return nil
}

// EnqueueSweep asks for an SLA sweep now.
func (q *Queue) EnqueueSweep(ctx context.Context) error {
	if _, err := q.client.Insert(ctx, SweepArgs{}, nil); err != nil {
		return fmt.Errorf("enqueue sla sweep: %w", err)
	}
	return nil
}

// Start begins working jobs until ctx ends or Stop is called.
func (q *Queue) Start(ctx context.Context) error {
	if q.pg {
		if err := q.startLiveness(ctx); err != nil {
			return err
		}
	}
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("start queue: %w", err)
	}
	return nil
}

// Stop waits for running jobs to finish, or for ctx to end.
func (q *Queue) Stop(ctx context.Context) error {
	err := q.client.Stop(ctx)
	if q.stopLiveness != nil {
		q.stopLiveness()
		<-q.livenessDone
	}
	if err != nil {
		return fmt.Errorf("stop queue: %w", err)
	}
	return nil
}

// Depth counts jobs not yet finished: available, scheduled, retrying or running.
func (q *Queue) Depth(ctx context.Context) (int, error) {
	var n int
	err := q.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE state IN ('available', 'scheduled', 'retryable', 'running', 'pending')`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count queued jobs: %w", err)
	}
	return n, nil
}
