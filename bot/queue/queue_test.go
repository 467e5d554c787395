package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/webhook"
	"gitlab.com/vigil-vm/vigil/internal/postgres"
	"gitlab.com/vigil-vm/vigil/internal/postgrestest"
	"gitlab.com/vigil-vm/vigil/internal/sqlite"
)

type recorder struct {
	mu       sync.Mutex
	keys     []string
	attempts map[string]int
	at       map[string][]time.Time
	fail     func(key string, attempt int) error
	sweeps   []time.Time
}

func (r *recorder) HandleDelivery(ctx context.Context, key string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempts[key]++
	r.at[key] = append(r.at[key], time.Now())
	if r.fail != nil {
		if err := r.fail(key, r.attempts[key]); err != nil {
			return err
		}
	}
	r.keys = append(r.keys, key)
	return nil
}

func (r *recorder) Sweep(context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sweeps = append(r.sweeps, time.Now())
	return nil
}

func (r *recorder) done(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range r.keys {
		if k == key {
			return true
		}
	}
	return false
}

type waitErr time.Duration

func (w waitErr) Error() string             { return "rate limited" }
func (w waitErr) RetryAfter() time.Duration { return time.Duration(w) }

// dialects are the databases every queue test runs on.
var dialects = map[string]ledger.Dialect{"sqlite": ledger.SQLite, "postgres": ledger.Postgres}

// openDB is a fresh database of the dialect.
func openDB(t *testing.T, d ledger.Dialect) *sql.DB {
	t.Helper()
	if d == ledger.Postgres {
		db, _ := postgrestest.Open(t)
		return db
	}
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "vigil.db"), sqlite.Service())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func setup(t *testing.T, r *recorder, d ledger.Dialect) (*Queue, *ledger.Ledger) {
	t.Helper()
	db := openDB(t, d)
	return setupOn(t, db, d, r, Options{})
}

func setupOn(t *testing.T, db *sql.DB, d ledger.Dialect, r *recorder, o Options) (*Queue, *ledger.Ledger) {
	t.Helper()
	ctx := context.Background()
	l, err := ledger.Open(ctx, db, d)
	if err != nil {
		t.Fatal(err)
	}
	o.PollInterval, o.Postgres = 20*time.Millisecond, d == ledger.Postgres
	q, err := New(ctx, db, r, o, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return q, l
}

func accept(t *testing.T, q *Queue, l *ledger.Ledger, key string) bool {
	t.Helper()
	ctx := context.Background()
	var inserted bool
	err := l.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		inserted, err = l.InsertDelivery(ctx, tx, webhook.Delivery{Key: key, Event: "Job Hook", Received: time.Now()})
		if err != nil || !inserted {
			return err
		}
		return q.EnqueueDeliveries(ctx, tx, key)
	})
	if err != nil {
		t.Fatal(err)
	}
	return inserted
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestDeliveryWorkedOnceAndRetryAfterHonoured(t *testing.T) {
	t.Parallel() // a database of its own
	for name, d := range dialects {
		t.Run(name, func(t *testing.T) { testDeliveryWorkedOnce(t, d) })
	}
}

func testDeliveryWorkedOnce(t *testing.T, d ledger.Dialect) {
	r := &recorder{attempts: map[string]int{}, at: map[string][]time.Time{}}
	r.fail = func(key string, attempt int) error {
		if key == "limited" && attempt == 1 {
			return waitErr(300 * time.Millisecond)
		}
		return nil
	}
	q, l := setup(t, r, d)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Enqueued before start: stored jobs survive until a worker runs.
	if !accept(t, q, l, "a") || accept(t, q, l, "a") {
		t.Fatal("duplicate delivery was enqueued twice")
	}
	if depth, err := q.Depth(ctx); err != nil || depth != 1 {
		t.Fatalf("Depth = %d, %v; want 1", depth, err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer q.Stop(context.Background())
	accept(t, q, l, "limited")
	waitFor(t, "delivery a", func() bool { return r.done("a") })
	waitFor(t, "limited delivery", func() bool { return r.done("limited") })
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.attempts["a"] != 1 {
		t.Errorf("delivery a worked %d times", r.attempts["a"])
	}
	at := r.at["limited"]
	if len(at) != 2 || at[1].Sub(at[0]) < 300*time.Millisecond {
		t.Errorf("retry came %v after a Retry-After of 300ms", at[len(at)-1].Sub(at[0]))
	}
	waitFor(t, "idle queue", func() bool { n, err := q.Depth(ctx); return err == nil && n == 0 })
}

func TestReplicasShareJobsAndThePeriodicSweep(t *testing.T) {
	t.Parallel() // a database of its own
	// Three replicas on one PostgreSQL: every delivery is worked once by
	// one of them, a delivery whose transaction rolled back by none, and
	// the periodic sweep runs once per period however many replicas run it.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := openDB(t, ledger.Postgres)
	r := &recorder{attempts: map[string]int{}, at: map[string][]time.Time{}}
	var qs []*Queue
	var l *ledger.Ledger
	const period = 2 * time.Second
	for range 3 {
		var q *Queue
		q, l = setupOn(t, db, ledger.Postgres, r, Options{SweepInterval: period})
		qs = append(qs, q)
	}
	started := time.Now()
	for _, q := range qs {
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer q.Stop(context.Background())
	}
	for i := range 60 {
		accept(t, qs[i%3], l, fmt.Sprint("d", i))
	}
	l.Tx(ctx, func(tx *sql.Tx) error {
		qs[0].EnqueueDeliveries(ctx, tx, "rolled-back")
		return errors.New("abandon")
	})
	waitFor(t, "60 deliveries", func() bool { r.mu.Lock(); defer r.mu.Unlock(); return len(r.keys) == 60 })
	time.Sleep(3 * period)
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, n := range r.attempts {
		if n != 1 || k == "rolled-back" {
			t.Errorf("delivery %s worked %d times", k, n)
		}
	}
	periods := int(time.Since(started)/period) + 1
	if len(r.sweeps) == 0 || len(r.sweeps) > periods {
		t.Errorf("%d sweeps by three replicas in %d periods", len(r.sweeps), periods)
	}
}

func TestJobsOfADeadReplicaAreRecoveredAtOnce(t *testing.T) {
	t.Parallel() // a database of its own
	// Replica A dies in the middle of a job (its sessions end, as a SIGKILL
	// ends them); replica B, starting, finds the job running under a
	// replica that holds no liveness lock and works it, long before River's
	// rescuer would (JobTimeout is an hour here).
	ctx := context.Background()
	db := openDB(t, ledger.Postgres)
	block := make(chan struct{})
	started := make(chan struct{}, 1)
	ra := &recorder{attempts: map[string]int{}, at: map[string][]time.Time{}, fail: func(string, int) error {
		started <- struct{}{}
		<-block
		return nil
	}}
	// One worker, busy: A, not really dead, cannot take the job again.
	a, l := setupOn(t, db, ledger.Postgres, ra, Options{Workers: 1})
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer a.Stop(ctx)
	defer close(block) // before A stops: its job must end for Stop to return
	accept(t, a, l, "k")
	<-started
	if _, err := db.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = $1`, postgres.NamespaceAlive); err != nil {
		t.Fatal(err)
	}
	// A killed replica's loop dies with it: left running, A's loop would
	// take its lock again at its next round (a replica that only lost its
	// connection must) and B would rightly see A alive.
	a.stopLiveness()
	<-a.livenessDone
	// pg_terminate_backend only signals the backend; the lock goes when it
	// has exited, as it would go with a killed replica's connection.
	waitFor(t, "A's liveness lock to go with its session", func() bool {
		var n int
		err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = $1`, postgres.NamespaceAlive).Scan(&n)
		return err == nil && n == 0
	})
	rb := &recorder{attempts: map[string]int{}, at: map[string][]time.Time{}}
	b, _ := setupOn(t, db, ledger.Postgres, rb, Options{})
	t0 := time.Now()
	if err := b.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer b.Stop(ctx)
	waitFor(t, "the dead replica's job on the live one", func() bool { return rb.done("k") })
	t.Logf("recovered and worked in %v", time.Since(t0).Round(time.Millisecond))
}
