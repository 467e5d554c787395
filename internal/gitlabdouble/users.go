package gitlabdouble

import (
	"net/http"
	"strings"
	"time"
)

// Member is a project member as the members API shows it.
type Member struct {
	User
	CreatedAt   time.Time   `json:"created_at"`
	ExpiresAt   *Date       `json:"expires_at"`
	AccessLevel AccessLevel `json:"access_level"`
}

func (s *Server) userRoutes() {
	s.route("GET /user", s.getCurrentUser)
	s.route("GET /users", func(r *request) {
		name := strings.ToLower(r.params.get("username"))
		search := strings.ToLower(r.params.get("search"))
		var out []User
		for id := 1; id <= s.ids.user; id++ {
			u, ok := s.users[id]
			switch {
			case !ok:
			case name != "" && strings.ToLower(u.Username) != name:
			case search != "" && !strings.Contains(strings.ToLower(u.Username+" "+u.Name), search):
			default:
				out = append(out, s.basic(u))
			}
		}
		r.json(http.StatusOK, paginate(r, nonNil(out)))
	})
	s.route("GET /users/:user_id", func(r *request) {
		id, ok := r.intPath("user_id", "User")
		if !ok {
			return
		}
		u := s.userRef(id)
		if u == nil {
			r.notFound("User")
			return
		}
		r.json(http.StatusOK, u)
	})
	members := func(all bool) func(*request) {
		return func(r *request) {
			p, ok := r.project(Guest)
			if !ok {
				return
			}
			q := strings.ToLower(r.params.get("query"))
			var out []Member
			for id := 1; id <= s.ids.user; id++ {
				u, ok := s.users[id]
				if !ok {
					continue
				}
				lvl, explicit := p.members[id]
				if !explicit && all {
					lvl = u.everywhere
				}
				if lvl == NoAccess || (q != "" && !strings.Contains(strings.ToLower(u.Username+" "+u.Name), q)) {
					continue
				}
				out = append(out, Member{User: s.basic(u), CreatedAt: p.CreatedAt, AccessLevel: lvl})
			}
			r.json(http.StatusOK, paginate(r, nonNil(out)))
		}
	}
	s.route("GET /projects/:id/members", members(false))
	s.route("GET /projects/:id/members/all", members(true))
	// One member, inherited membership included, as the bot checks roles.
	s.route("GET /projects/:id/members/all/:user_id", func(r *request) {
		p, ok := r.project(Guest)
		if !ok {
			return
		}
		id, ok := r.intPath("user_id", "User")
		if !ok {
			return
		}
		u, found := s.users[id]
		lvl, explicit := p.members[id]
		if found && !explicit {
			lvl = u.everywhere
		}
		if !found || lvl == NoAccess {
			r.notFound("")
			return
		}
		r.json(http.StatusOK, Member{User: s.basic(u), CreatedAt: p.CreatedAt, AccessLevel: lvl})
	})
}
