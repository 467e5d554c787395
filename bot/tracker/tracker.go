package tracker

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/gitlabapi"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/sla"
)

// Tracker reconciles GitLab issues with the ledger. Calls for one project
// must not run concurrently; the caller serializes them.
type Tracker struct {
	gl       *gitlab.Client
	ledger   *ledger.Ledger
	policies *sla.Config
	log      *slog.Logger
	now      func() time.Time
	markers  markers

	mu     sync.Mutex
	users  map[string]int64 // username → id, for assignees
	selfID int64            // the bot's own user, once known
}

// Options configure a Tracker.
type Options struct {
	Now func() time.Time // the clock; time.Now when nil
	// MarkerKey keys the MAC of the hidden markers; the bot's
	// configuration requires one (see bot.Config.MarkerKey).
	MarkerKey []byte
}

// New returns a tracker writing through gl.
func New(gl *gitlab.Client, l *ledger.Ledger, policies *sla.Config, log *slog.Logger, opts Options) *Tracker {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Tracker{gl: gl, ledger: l, policies: policies, log: log, now: opts.Now, users: map[string]int64{},
		markers: markers{key: opts.MarkerKey}}
}

// self is the id of the user the bot acts as, read once from GET /user:
// only what this user wrote is state the bot recovers from GitLab.
func (t *Tracker) self(ctx context.Context) (int64, error) {
	t.mu.Lock()
	id := t.selfID
	t.mu.Unlock()
	if id != 0 {
		return id, nil
	}
	u, resp, err := t.gl.Users.CurrentUser(gitlab.WithContext(ctx))
	if err != nil {
		return 0, gitlabapi.Wrap("read the bot's own user", resp, err)
	}
	t.mu.Lock()
	t.selfID = u.ID
	t.mu.Unlock()
	return u.ID, nil
}

// policy returns the SLA policy of a project.
func (t *Tracker) policy(projectPath string) sla.Policy { return t.policies.For(projectPath) }

func (t *Tracker) userID(ctx context.Context, username string) (int64, bool) {
	t.mu.Lock()
	id, ok := t.users[username]
	t.mu.Unlock()
	if ok {
		return id, id != 0
	}
	users, _, err := t.gl.Users.ListUsers(&gitlab.ListUsersOptions{Username: gitlab.Ptr(username)}, gitlab.WithContext(ctx))
	if err != nil {
		t.log.Warn("look up assignee", "username", username, "err", err)
		return 0, false
	}
	for _, u := range users {
		if u.Username == username {
			id = u.ID
		}
	}
	t.mu.Lock()
	t.users[username] = id
	t.mu.Unlock()
	return id, id != 0
}
