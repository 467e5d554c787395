package gitlabdouble

import (
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Project is a project as GET /projects/:id shows it.
type Project struct {
	ID                int       `json:"id"`
	Description       string    `json:"description"`
	Name              string    `json:"name"`
	NameWithNamespace string    `json:"name_with_namespace"`
	Path              string    `json:"path"`
	PathWithNamespace string    `json:"path_with_namespace"`
	CreatedAt         time.Time `json:"created_at"`
	LastActivityAt    time.Time `json:"last_activity_at"`
	DefaultBranch     string    `json:"default_branch"`
	Visibility        string    `json:"visibility"`
	Topics            []string  `json:"topics"`
	SSHURLToRepo      string    `json:"ssh_url_to_repo"`
	HTTPURLToRepo     string    `json:"http_url_to_repo"`
	WebURL            string    `json:"web_url"`
	Namespace         Namespace `json:"namespace"`
	EmptyRepo         bool      `json:"empty_repo"`
	Archived          bool      `json:"archived"`
	IssuesEnabled     bool      `json:"issues_enabled"`
	OpenIssuesCount   int       `json:"open_issues_count"`
	CreatorID         int       `json:"creator_id"`
}

// Namespace is the group or user a project lives in.
type Namespace struct {
	ID       int    `json:"id"`
	Name     string `json:"name"`
	Path     string `json:"path"`
	Kind     string `json:"kind"`
	FullPath string `json:"full_path"`
	ParentID *int   `json:"parent_id"`
	WebURL   string `json:"web_url"`
}

// ProjectSpec seeds a project.
type ProjectSpec struct {
	// Path is the full path, "group/app"; the last segment is the project path.
	Path          string
	Description   string
	DefaultBranch string // "main" when empty
	// Visibility is "private" (default), "internal" or "public".
	Visibility string
	// Files are committed to the default branch as the initial commit.
	Files map[string][]byte
	// Members maps user ids to their role on this project.
	Members map[int]AccessLevel
	// Labels are created on the project.
	Labels []LabelSpec
}

// projectState is a project with everything that belongs to it.
type projectState struct {
	Project
	members   map[int]AccessLevel
	labels    []*Label
	issues    []*issueState
	mrs       []*mrState
	repo      repository
	pipelines []*Pipeline
	jobs      []*jobState
	hooks     []*Hook
	uploads   []*UploadedFile
	nextIssue int
	nextMR    int
}

// AddProject creates a project from spec; its files become the initial
// commit of the default branch.
func (s *Server) AddProject(spec ProjectSpec) Project {
	s.mu.Lock()
	defer s.mu.Unlock()
	full := strings.Trim(spec.Path, "/")
	ns, name := path.Split(full)
	ns = strings.TrimSuffix(ns, "/")
	if spec.DefaultBranch == "" {
		spec.DefaultBranch = "main"
	}
	if spec.Visibility == "" {
		spec.Visibility = "private"
	}
	id := s.ids.next(&s.ids.project)
	now := s.now()
	kind := "group"
	if _, isUser := s.userIDByName(ns); isUser {
		kind = "user"
	}
	p := &projectState{
		Project: Project{
			ID: id, Description: spec.Description, Name: name, Path: name,
			NameWithNamespace: strings.ReplaceAll(full, "/", " / "), PathWithNamespace: full,
			CreatedAt: now, LastActivityAt: now, DefaultBranch: spec.DefaultBranch,
			Visibility: spec.Visibility, Topics: []string{}, IssuesEnabled: true,
			Namespace: Namespace{
				ID: s.ids.next(&s.ids.namespace), Name: path.Base(ns), Path: path.Base(ns),
				Kind: kind, FullPath: ns,
			},
		},
		members: map[int]AccessLevel{},
		repo:    newRepository(),
	}
	for uid, lvl := range spec.Members {
		p.members[uid] = lvl
	}
	s.projects[id] = p
	s.byPath[strings.ToLower(full)] = id
	p.repo.seed(spec.DefaultBranch, spec.Files, now)
	p.EmptyRepo = len(spec.Files) == 0
	for _, l := range spec.Labels {
		s.addLabel(p, l)
	}
	return p.view(s.baseURL)
}

// ProjectByPath returns the project at the full path.
func (s *Server) ProjectByPath(full string) (Project, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.byPath[strings.ToLower(full)]
	if !ok {
		return Project{}, false
	}
	return s.projects[id].view(s.baseURL), true
}

// lookupProject resolves a numeric id or a (already unescaped) full path.
func (s *Server) lookupProject(id string) *projectState {
	if n, err := strconv.Atoi(id); err == nil {
		return s.projects[n]
	}
	if n, ok := s.byPath[strings.ToLower(id)]; ok {
		return s.projects[n]
	}
	return nil
}

// mustProject is for driving methods called by tests; it panics on an
// unknown id because that is a bug in the test.
func (s *Server) mustProject(id int) *projectState {
	p, ok := s.projects[id]
	if !ok {
		panic("gitlabdouble: unknown project " + strconv.Itoa(id))
	}
	return p
}

// view renders the project; URLs are computed from the instance's base URL
// at render time because a standalone server learns it only when it listens.
func (p *projectState) view(base string) Project {
	v := p.Project
	v.WebURL = base + "/" + p.PathWithNamespace
	v.HTTPURLToRepo = v.WebURL + ".git"
	v.SSHURLToRepo = "git@" + hostOf(base) + ":" + p.PathWithNamespace + ".git"
	v.Namespace.WebURL = base + "/groups/" + p.Namespace.FullPath
	if p.Namespace.Kind == "user" {
		v.Namespace.WebURL = base + "/" + p.Namespace.FullPath
	}
	v.OpenIssuesCount = 0
	for _, i := range p.issues {
		if i.State == "opened" {
			v.OpenIssuesCount++
		}
	}
	v.Topics = slices.Clone(p.Topics)
	return v
}

func (s *Server) projectRoutes() {
	s.route("GET /projects/:id", func(r *request) {
		p, ok := r.project(Guest)
		if !ok {
			return
		}
		r.json(http.StatusOK, p.view(s.baseURL))
	})
	s.route("GET /projects", func(r *request) {
		var out []Project
		for id := 1; id <= s.ids.project; id++ {
			p, ok := s.projects[id]
			if !ok || s.accessOf(r.user, p) == NoAccess {
				continue
			}
			if membership, _, _ := r.params.boolean("membership"); membership {
				if _, member := p.members[r.user.ID]; !member && r.user.everywhere == NoAccess {
					continue
				}
			}
			if q := r.params.get("search"); q != "" && !strings.Contains(strings.ToLower(p.PathWithNamespace), strings.ToLower(q)) {
				continue
			}
			out = append(out, p.view(s.baseURL))
		}
		r.json(http.StatusOK, paginate(r, nonNil(out)))
	})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func hostOf(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return "gitlab.example.com"
	}
	return u.Hostname()
}
