package mr

import (
	"context"
	"sync"
)

// Memory remembers merge requests that people closed without merging, so
// that vigil never reopens them for the same version. The bot's ledger
// implements it durably; GitLab's list of closed merge requests refills it.
type Memory interface {
	Declined(ctx context.Context, project, branch string) (bool, error)
	Decline(ctx context.Context, project, branch string) error
}

// MapMemory is a Memory held in a map, for tests and one-shot CLI runs.
type MapMemory struct {
	mu sync.Mutex
	m  map[string]bool
}

// NewMemory returns an empty MapMemory.
func NewMemory() *MapMemory { return &MapMemory{m: map[string]bool{}} }

// Declined reports whether branch was declined in project.
func (m *MapMemory) Declined(_ context.Context, project, branch string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.m[project+"\x00"+branch], nil
}

// Decline records that branch was declined in project.
func (m *MapMemory) Decline(_ context.Context, project, branch string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[project+"\x00"+branch] = true
	return nil
}
