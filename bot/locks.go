package bot

import (
	"context"
	"sync"

	"gitlab.com/vigil-vm/vigil/bot/budget"
)

// projectLocks serializes work on one project inside this process.
type projectLocks struct {
	mu    sync.Mutex
	locks map[int64]*sync.Mutex
}

// lock takes the project's lock and returns its release.
func (p *projectLocks) lock(projectID int64) func() {
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
	unlock := s.locks.lock(projectID)
	ctx, cancel := budget.With(ctx, s.cfg.JobBudget)
	return ctx, func() {
		cancel()
		unlock()
	}
}
