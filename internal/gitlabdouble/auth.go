package gitlabdouble

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
)

// AccessLevel is a GitLab membership role, with GitLab's numeric values.
type AccessLevel int

// GitLab's access levels.
const (
	NoAccess   AccessLevel = 0
	Guest      AccessLevel = 10
	Planner    AccessLevel = 15
	Reporter   AccessLevel = 20
	Developer  AccessLevel = 30
	Maintainer AccessLevel = 40
	Owner      AccessLevel = 50
)

// User is a GitLab user as the API shows it (the "basic" user shape).
type User struct {
	ID        int    `json:"id"`
	Username  string `json:"username"`
	Name      string `json:"name"`
	State     string `json:"state"`
	Locked    bool   `json:"locked"`
	AvatarURL string `json:"avatar_url"`
	WebURL    string `json:"web_url"`
}

type userState struct {
	User
	email string
	// everywhere is the level the user has on every project without an
	// explicit membership (a convenience for seeding a bot or admin-like user).
	everywhere AccessLevel
}

// AddUser creates a user with a personal access token. access is the role the
// user gets on every project that has no explicit membership for them; pass
// NoAccess and use Grant for a user that sees only some projects.
func (s *Server) AddUser(username string, access AccessLevel) (User, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.userIDByName(username); ok {
		u := s.users[id]
		u.everywhere = access
		return s.basic(u), s.newToken(id)
	}
	id := s.ids.next(&s.ids.user)
	u := &userState{
		User: User{
			ID: id, Username: username, Name: displayName(username), State: "active",
		},
		email:      username + "@example.com",
		everywhere: access,
	}
	s.users[id] = u
	return s.basic(u), s.newToken(id)
}

// basic renders a user in GitLab's basic user shape.
func (s *Server) basic(u *userState) User {
	v := u.User
	v.AvatarURL = s.baseURL + "/uploads/-/system/user/avatar/" + strconv.Itoa(u.ID) + "/avatar.png"
	v.WebURL = s.baseURL + "/" + u.Username
	return v
}

// userRef renders the user with id, or nil.
func (s *Server) userRef(id int) *User {
	u, ok := s.users[id]
	if !ok {
		return nil
	}
	v := s.basic(u)
	return &v
}

// AddToken gives the named user another token with a fixed value, for
// standalone runs whose seed file names the token.
func (s *Server) AddToken(username, token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.userIDByName(username)
	if ok {
		s.tokens[token] = id
	}
	return ok
}

// Grant sets the role of the token's user on the project at projectPath.
// NoAccess hides a private project from that user even when AddUser gave
// them a role everywhere (the API then answers 404, as GitLab does).
func (s *Server) Grant(token, projectPath string, level AccessLevel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	uid, ok := s.tokens[token]
	pid, ok2 := s.byPath[strings.ToLower(projectPath)]
	if !ok || !ok2 {
		return
	}
	s.projects[pid].members[uid] = level
}

// Users lists every user.
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]User, 0, len(s.users))
	for id := 1; id <= s.ids.user; id++ {
		if u, ok := s.users[id]; ok {
			out = append(out, s.basic(u))
		}
	}
	return out
}

func (s *Server) userIDByName(username string) (int, bool) {
	for id, u := range s.users {
		if strings.EqualFold(u.Username, username) {
			return id, true
		}
	}
	return 0, false
}

func (s *Server) newToken(uid int) string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	tok := "glpat-" + hex.EncodeToString(b)
	s.tokens[tok] = uid
	return tok
}

func displayName(username string) string {
	if username == "" {
		return ""
	}
	return strings.ToUpper(username[:1]) + username[1:]
}

// tokenOf reads the token from PRIVATE-TOKEN or Authorization: Bearer, as GitLab accepts both.
func tokenOf(r *http.Request) string {
	if t := r.Header.Get("PRIVATE-TOKEN"); t != "" {
		return t
	}
	if t := r.URL.Query().Get("private_token"); t != "" {
		return t
	}
	if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:])
	}
	return ""
}

// authenticate resolves the caller; the caller holds s.mu.
func (s *Server) authenticate(r *http.Request) *userState {
	uid, ok := s.tokens[tokenOf(r)]
	if !ok {
		return nil
	}
	return s.users[uid]
}

// accessOf is the caller's role on p. Non-members of internal and public
// projects act as guests, which lets them read but not write.
func (s *Server) accessOf(u *userState, p *projectState) AccessLevel {
	if lvl, ok := p.members[u.ID]; ok {
		if lvl == NoAccess && p.Visibility != "private" {
			return Guest
		}
		return lvl
	}
	if u.everywhere > NoAccess {
		return u.everywhere
	}
	if p.Visibility != "private" {
		return Guest
	}
	return NoAccess
}

// project resolves the :id path parameter and checks the caller has at
// least min on it. A project the caller cannot see answers 404, as GitLab
// hides private projects; a visible one with too low a role answers 403.
func (r *request) project(min AccessLevel) (*projectState, bool) {
	p := r.s.lookupProject(r.r.PathValue("id"))
	if p == nil {
		r.notFound("Project")
		return nil, false
	}
	lvl := r.s.accessOf(r.user, p)
	if lvl == NoAccess {
		r.notFound("Project")
		return nil, false
	}
	if lvl < min {
		r.forbidden()
		return nil, false
	}
	return p, true
}

// role is the caller's level on p.
func (r *request) role(p *projectState) AccessLevel { return r.s.accessOf(r.user, p) }

func (s *Server) getCurrentUser(r *request) {
	u := s.basic(r.user)
	r.json(http.StatusOK, map[string]any{
		"id": u.ID, "username": u.Username, "name": u.Name, "state": u.State,
		"avatar_url": u.AvatarURL, "web_url": u.WebURL, "email": r.user.email,
		"public_email": "", "bot": false, "is_admin": false,
	})
}
