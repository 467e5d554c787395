package bot

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/inbox"
	"gitlab.com/vigil-vm/vigil/bot/ingest"
	invconfig "gitlab.com/vigil-vm/vigil/bot/inventory/config"
	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/monitor"
	"gitlab.com/vigil-vm/vigil/bot/mrnote"
	"gitlab.com/vigil-vm/vigil/bot/patch/dockerfile"
	"gitlab.com/vigil-vm/vigil/bot/patch/mr"
	"gitlab.com/vigil-vm/vigil/bot/queue"
	"gitlab.com/vigil-vm/vigil/bot/sla"
	"gitlab.com/vigil-vm/vigil/bot/tracker"
	"gitlab.com/vigil-vm/vigil/bot/webhook"
	"gitlab.com/vigil-vm/vigil/internal/registry"
)

// maxHeaderBytes bounds the request headers the server reads.
const maxHeaderBytes = 64 << 10

// Option adjusts a Service beyond its Config, for tests and embedding.
type Option func(*options)

type options struct {
	now       func() time.Time
	env       invconfig.Getenv
	transport http.RoundTripper
	verifier  dockerfile.Verifier
	registry  registry.Access
	patch     mr.Options
	// continuous monitoring (monitoring.go)
	monitor      monitor.Matcher
	monitorEvery time.Duration
	cataloger    monitor.Cataloger
}

// WithVerifier scans candidate base images before a Dockerfile bump is
// proposed (ci/verify); without it bumps are proposed unverified.
func WithVerifier(v dockerfile.Verifier) Option { return func(o *options) { o.verifier = v } }

// WithRegistry is how base images' tags are listed: the same access the
// verifier scans candidates with (credentials, insecure registries,
// transport).
func WithRegistry(a registry.Access) Option { return func(o *options) { o.registry = a } }

// WithPatchRetry sets how the patch engine repeats failed GitLab writes
// before the delivery is left to the queue (tests shorten the backoff).
func WithPatchRetry(r mr.Retry) Option { return func(o *options) { o.patch.Retry = r } }

// WithEnv is the environment the inventory config is expanded from and its
// sources read their credentials from (os.Getenv from the CLI); without it
// the environment is empty.
func WithEnv(env func(string) string) Option { return func(o *options) { o.env = env } }

// WithClock sets the clock used for first/last seen, due dates and the SLA sweep.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithGitLabTransport sets the HTTP transport under the GitLab API client.
func WithGitLabTransport(rt http.RoundTripper) Option {
	return func(o *options) { o.transport = rt }
}

// Service is the running bot: receiver, queue, ledger and reconciler.
type Service struct {
	cfg      *Config
	log      *slog.Logger
	now      func() time.Time
	db       *sql.DB
	dialect  ledger.Dialect
	inbox    *inbox.Inbox
	ledger   *ledger.Ledger
	queue    *queue.Queue
	gl       *gitlab.Client
	tracker  *tracker.Tracker
	patcher  *mr.Engine // nil when merge requests are off
	patched  sync.Map   // project id → the last job whose scan the engine reconciled
	fetcher  *ingest.Fetcher
	mrNotes  *mrnote.Notes
	receiver *webhook.Receiver
	metrics  *metrics
	policies *sla.Config // the dashboard links with the default policy's labels
	// readoutCollector serves the read-out gauges (metrics.go).
	readoutCollector *readoutCollector
	locks            projectLocks
	ready            atomic.Bool
	close            sync.Once
	monitor          monitor.Matcher   // nil unless WithMonitor
	cataloger        monitor.Cataloger // nil unless WithCataloger
}

// New opens the data file, migrates it and wires the service; nothing is
// served or worked until Run.
func New(ctx context.Context, cfg *Config, log *slog.Logger, opts ...Option) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("bot configuration: %w", err)
	}
	o := options{now: time.Now, env: func(string) string { return "" }}
	for _, opt := range opts {
		opt(&o)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	policies, err := sla.LoadFile(cfg.PolicyFile)
	if err != nil {
		return nil, err
	}
	db, in, dialect, err := openData(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, log: log, now: o.now, db: db, dialect: dialect, inbox: in, metrics: newMetrics()}
	if dialect == ledger.Postgres {
		s.locks.shared, s.locks.log = db, log
	}
	if err := s.wire(ctx, policies, o); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Service) wire(ctx context.Context, policies *sla.Config, o options) error {
	var err error
	s.policies = policies
	if s.ledger, err = ledger.Open(ctx, s.db, s.dialect); err != nil {
		return err
	}
	if s.gl, err = newGitLab(s.cfg, o.transport, s.metrics); err != nil {
		return fmt.Errorf("create gitlab client: %w", err)
	}
	s.tracker = tracker.New(s.gl, s.ledger, policies, s.log, tracker.Options{Now: s.now, MarkerKey: []byte(s.cfg.MarkerKey)})
	s.fetcher = ingest.NewFetcher(s.gl, s.cfg.MaxArtifactBytes, s.cfg.Artifacts)
	s.mrNotes = mrnote.New(s.gl)
	if s.cfg.Patch {
		s.patcher = newPatchEngine(s.gl, s.ledger.PatchMemory(), s.cfg.MergeRequests, o, s.log)
	}
	qopts := queue.Options{
		Workers: s.cfg.Workers, MaxAttempts: s.cfg.MaxAttempts, SweepInterval: s.cfg.SweepInterval,
		PollInterval: s.cfg.PollInterval, JobTimeout: s.cfg.JobTimeout,
		RecoverRunning: s.dialect == ledger.SQLite, Postgres: s.dialect == ledger.Postgres,
	}
	if s.cfg.InventoryFile != "" {
		inv, err := invconfig.Read(s.cfg.InventoryFile, o.env)
		if err != nil {
			return err
		}
		qopts.Inventory, qopts.InventoryInterval = s.inventoryJob(inv, o.env), s.cfg.InventoryInterval
	}
	if s.cfg.ReadoutProject != "" {
		qopts.Readout, qopts.ReadoutInterval = s.postReadout, s.cfg.ReadoutCheckInterval
	}
	qopts.Monitor = s.monitorJobs(o)
	s.queue, err = queue.New(ctx, s.db, worker{s}, qopts, s.log)
	if err != nil {
		return err
	}
	scoped, err := s.cfg.scopedSecrets()
	if err != nil {
		return err
	}
	s.receiver, err = webhook.New(webhook.Config{
		Secrets: s.cfg.WebhookSecrets, Scoped: scoped, MaxBytes: s.cfg.MaxBodyBytes, Store: s.inbox,
		Log: s.log, Observe: s.metrics.observe, Acked: s.metrics.acked, Now: s.now,
	})
	if err != nil {
		return err
	}
	s.metrics.reg.MustRegister(newStateCollector(s.ledger, s.queue, s.inbox))
	s.metrics.watchPool("ledger", s.db)
	s.metrics.watchPool("inbox", s.inbox.Pool())
	s.readoutCollector = newReadoutCollector(s.ledger, s.now, s.cfg.ReadoutMetrics)
	s.metrics.reg.MustRegister(s.readoutCollector)
	return nil
}

// Run works jobs, runs the SLA sweep and serves HTTP on cfg.Listen (unless
// empty) until ctx ends; then it stops taking webhooks, lets running jobs
// finish within cfg.ShutdownTimeout and closes the data file.
func (s *Service) Run(ctx context.Context) error {
	defer s.Close()
	if err := s.queue.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	errc := make(chan error, 1)
	var srv *http.Server
	if s.cfg.Listen != "" {
		ln, err := net.Listen("tcp", s.cfg.Listen)
		if err != nil {
			s.queue.Stop(context.Background())
			return fmt.Errorf("listen on %s: %w", s.cfg.Listen, err)
		}
		// GitLab's webhook headers are small; a stranger's are not kept.
		srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, MaxHeaderBytes: maxHeaderBytes}
		s.log.Info("vigil bot listening", "addr", ln.Addr().String(), "gitlab", s.cfg.GitLabURL, "data", s.cfg.Where())
		go func() { errc <- srv.Serve(ln) }()
	}
	dctx, stopDispatch := context.WithCancel(ctx)
	dispatched := make(chan struct{})
	go func() { s.runDispatcher(dctx); close(dispatched) }()
	s.ready.Store(true)
	var runErr error
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			runErr = fmt.Errorf("serve http: %w", err)
		}
	}
	s.ready.Store(false)
	s.log.Info("vigil bot stopping")
	stopCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if srv != nil {
		if err := srv.Shutdown(stopCtx); err != nil {
			s.log.Warn("stop http server", "err", err)
		}
	}
	stopDispatch()
	<-dispatched
	if err := s.dispatch(stopCtx); err != nil {
		s.log.Warn("deliveries left in the webhook inbox; they are queued on the next start", "err", err)
	}
	if err := s.queue.Stop(stopCtx); err != nil {
		s.log.Warn("running jobs did not finish in time; they resume on the next start", "err", err)
	}
	return runErr
}

// Close releases the data files. Run calls it on return.
func (s *Service) Close() error {
	var err error
	s.close.Do(func() { err = errors.Join(s.inbox.Close(), s.db.Close()) })
	return err
}

// Sweep asks for an SLA sweep now, besides the periodic one.
func (s *Service) Sweep(ctx context.Context) error { return s.queue.EnqueueSweep(ctx) }

// WaitIdle blocks until the service is idle, or ctx ends.
func (s *Service) WaitIdle(ctx context.Context) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		idle, err := s.idle(ctx)
		if err != nil || idle {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for the queue to drain: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// idle reports whether no delivery waits in the inbox and no job is
// waiting, scheduled or running. The inbox is read first: a delivery leaves
// it only once its job is queued.
func (s *Service) idle(ctx context.Context) (bool, error) {
	n, err := s.inbox.Count(ctx)
	if err != nil || n > 0 {
		return false, err
	}
	n, err = s.queue.Depth(ctx)
	return n == 0, err
}

// wantJob reports whether the --job-name filter lets a job through.
func (s *Service) wantJob(name string) bool {
	return len(s.cfg.JobNames) == 0 || slices.Contains(s.cfg.JobNames, name)
}
