package mr

import (
	"context"
	"fmt"
	"sync"
)

// Memory is what the engine keeps between runs: merge requests people
// closed without merging (never reopened for the same version) and the
// notes already posted on tracking issues (never repeated). The bot's
// ledger can implement it durably; without it, GitLab's closed merge
// requests and the notes' hidden markers refill it.
type Memory interface {
	Declined(ctx context.Context, project, branch string) (bool, error)
	Decline(ctx context.Context, project, branch string) error
	Said(ctx context.Context, project string, issue int64, note string) (bool, error)
	Say(ctx context.Context, project string, issue int64, note string) error
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
	return m.get("declined\x00" + project + "\x00" + branch), nil
}

// Decline records that branch was declined in project.
func (m *MapMemory) Decline(_ context.Context, project, branch string) error {
	m.set("declined\x00" + project + "\x00" + branch)
	return nil
}

// Said reports whether the note was posted on the issue.
func (m *MapMemory) Said(_ context.Context, project string, issue int64, note string) (bool, error) {
	return m.get(fmt.Sprintf("said\x00%s\x00%d\x00%s", project, issue, note)), nil
}

// Say records that the note was posted on the issue.
func (m *MapMemory) Say(_ context.Context, project string, issue int64, note string) error {
	m.set(fmt.Sprintf("said\x00%s\x00%d\x00%s", project, issue, note))
	return nil
}

func (m *MapMemory) get(k string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.m[k]
}

func (m *MapMemory) set(k string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[k] = true
}
