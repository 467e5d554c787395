package bot

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/budget"
	"gitlab.com/vigil-vm/vigil/internal/postgres"
)

// projectLocks serializes work on one project: inside this process with a
// mutex per project, and, when shared is set (PostgreSQL), across replicas
// with a session advisory lock held for the work, which a replica that
// dies releases with its connection.
type projectLocks struct {
	mu     sync.Mutex
	locks  map[int64]*sync.Mutex
	shared *sql.DB
	log    *slog.Logger
}

// lock takes the project's lock and returns its release.
func (p *projectLocks) lock(projectID int64) func() {
	unlock := p.local(projectID)
	if p.shared == nil {
		return unlock
	}
	release := p.cluster(projectID)
	return func() {
		release()
		unlock()
	}
}

// cluster takes the project's advisory lock, trying again while the
// database cannot be reached: work on the project waits rather than run
// beside another replica's.
func (p *projectLocks) cluster(projectID int64) func() {
	// Project ids are 64-bit, the lock's key 32: two ids that share their low
	// bits only wait for each other.
	key := int32(projectID)
	for {
		release, err := postgres.Lock(context.Background(), p.shared, postgres.NamespaceProject, key)
		if err == nil {
			return release
		}
		p.log.Warn("take the project's lock in the database; will retry", "project", projectID, "err", err)
		time.Sleep(time.Second)
	}
}

// local takes the project's lock in this process.
func (p *projectLocks) local(projectID int64) func() {
	p.mu.Lock()
	if p.locks == nil {
		p.locks = map[int64]*sync.Mutex{}
	}
	l, ok := p.locks[projectID]
	if !ok {
		l = &sync.Mutex{}
		p.locks[projectID] = l
	}
	p.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// lockWork takes the project's lock for a delivery's work and gives the
// work its time budget (cfg.JobBudget, growing with the groups it
// reconciles, up to the job's ceiling). The budget starts once the lock is
// held: waiting behind another delivery of the project does not spend it.
func (s *Service) lockWork(ctx context.Context, projectID int64) (context.Context, func()) {
	t0 := time.Now()
	unlock := s.locks.lock(projectID)
	s.metrics.lockWait.Observe(time.Since(t0).Seconds())
	ctx, cancel := budget.With(ctx, s.cfg.JobBudget)
	return ctx, func() {
		cancel()
		unlock()
	}
}
