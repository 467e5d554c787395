package bot

import "sync"

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
