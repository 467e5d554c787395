package mr

import (
	"context"
	"fmt"
	"sync"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// self is the engine's own GitLab user, read once. Only merge requests and
// notes that user wrote are the engine's: anyone who can open a merge
// request can copy its label and hidden marker, and must not thereby get
// the engine to update, close or stay silent about anything.
type self struct {
	mu sync.Mutex
	id int64
}

func (s *self) get(ctx context.Context, client *gitlab.Client) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.id != 0 {
		return s.id, nil
	}
	u, _, err := client.Users.CurrentUser(gitlab.WithContext(ctx))
	if err != nil {
		return 0, fmt.Errorf("read the engine's own user: %w", err)
	}
	s.id = u.ID
	return s.id, nil
}

// ownMR reports whether a merge request is the engine's: written by its
// user and carrying its marker.
func ownMR(m *gitlab.BasicMergeRequest, self int64) (marker, bool) {
	if m.Author == nil || m.Author.ID != self {
		return marker{}, false
	}
	return readMarker(m.Description)
}
