package gitlabdouble

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// commit is a snapshot of the whole tree, which keeps branches, merges and
// archives trivially correct for the small repositories tests use.
type commit struct {
	ID, Title, Message      string
	AuthorName, AuthorEmail string
	CreatedAt               time.Time
	ParentIDs               []string
	files                   map[string][]byte
	additions, deletions    int
}

// repository holds a project's commits and branch heads.
type repository struct {
	branches map[string]string
	commits  map[string]*commit
	seq      int
}

func newRepository() repository {
	return repository{branches: map[string]string{}, commits: map[string]*commit{}}
}

func (r *repository) seed(branch string, files map[string][]byte, at time.Time) {
	r.commit(branch, "", maps.Clone(files), "Initial commit", "Administrator", "admin@example.com", at)
}

// commit records a new commit with the given full tree on top of parent and
// moves branch to it.
func (r *repository) commit(branch, parent string, files map[string][]byte, message, author, email string, at time.Time) *commit {
	if files == nil {
		files = map[string][]byte{}
	}
	r.seq++
	h := sha1.New()
	fmt.Fprintf(h, "%d\x00%s\x00%s\x00%s\x00", r.seq, parent, message, at)
	for _, p := range slices.Sorted(maps.Keys(files)) {
		fmt.Fprintf(h, "%s\x00%x\x00", p, sha1.Sum(files[p]))
	}
	c := &commit{
		ID: hex.EncodeToString(h.Sum(nil)), Title: firstLine(message), Message: message,
		AuthorName: author, AuthorEmail: email, CreatedAt: at, ParentIDs: []string{}, files: files,
	}
	if parent != "" {
		c.ParentIDs = []string{parent}
		c.additions, c.deletions = diffStat(r.commits[parent].files, files)
	}
	r.commits[c.ID] = c
	r.branches[branch] = c.ID
	return c
}

// resolve finds a commit by branch name, full sha or unique sha prefix (7+ chars).
func (r *repository) resolve(ref string) *commit {
	if ref == "" {
		return nil
	}
	if sha, ok := r.branches[ref]; ok {
		return r.commits[sha]
	}
	if c, ok := r.commits[ref]; ok {
		return c
	}
	if len(ref) >= 7 {
		var found *commit
		for id, c := range r.commits {
			if strings.HasPrefix(id, ref) {
				if found != nil {
					return nil
				}
				found = c
			}
		}
		return found
	}
	return nil
}

// isAncestor reports whether a is reachable from b.
func (r *repository) isAncestor(a, b string) bool {
	for b != "" {
		if a == b {
			return true
		}
		c := r.commits[b]
		if c == nil || len(c.ParentIDs) == 0 {
			return false
		}
		b = c.ParentIDs[0]
	}
	return false
}

func diffStat(before, after map[string][]byte) (add, del int) {
	lines := func(b []byte) int { return strings.Count(string(b), "\n") + boolInt(len(b) > 0 && b[len(b)-1] != '\n') }
	for p, a := range after {
		if b, ok := before[p]; !ok {
			add += lines(a)
		} else if string(a) != string(b) {
			add += lines(a)
			del += lines(b)
		}
	}
	for p, b := range before {
		if _, ok := after[p]; !ok {
			del += lines(b)
		}
	}
	return add, del
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CommitView is a commit as the commits API shows it.
type CommitView struct {
	ID             string            `json:"id"`
	ShortID        string            `json:"short_id"`
	CreatedAt      time.Time         `json:"created_at"`
	ParentIDs      []string          `json:"parent_ids"`
	Title          string            `json:"title"`
	Message        string            `json:"message"`
	AuthorName     string            `json:"author_name"`
	AuthorEmail    string            `json:"author_email"`
	AuthoredDate   time.Time         `json:"authored_date"`
	CommitterName  string            `json:"committer_name"`
	CommitterEmail string            `json:"committer_email"`
	CommittedDate  time.Time         `json:"committed_date"`
	Trailers       map[string]string `json:"trailers"`
	WebURL         string            `json:"web_url"`
	Stats          *CommitStats      `json:"stats,omitempty"`
	Status         *string           `json:"status,omitempty"`
	ProjectID      int               `json:"project_id,omitempty"`
}

// CommitStats counts changed lines.
type CommitStats struct {
	Additions int `json:"additions"`
	Deletions int `json:"deletions"`
	Total     int `json:"total"`
}

func (s *Server) commitView(p *projectState, c *commit, full bool) CommitView {
	v := CommitView{
		ID: c.ID, ShortID: c.ID[:8], CreatedAt: c.CreatedAt, ParentIDs: slices.Clone(c.ParentIDs),
		Title: c.Title, Message: c.Message, AuthorName: c.AuthorName, AuthorEmail: c.AuthorEmail,
		AuthoredDate: c.CreatedAt, CommitterName: c.AuthorName, CommitterEmail: c.AuthorEmail,
		CommittedDate: c.CreatedAt, Trailers: map[string]string{},
		WebURL: s.baseURL + "/" + p.PathWithNamespace + "/-/commit/" + c.ID,
	}
	if full {
		v.Stats = &CommitStats{c.additions, c.deletions, c.additions + c.deletions}
		v.ProjectID = p.ID
	}
	return v
}

// Branch is a branch as the branches API shows it.
type Branch struct {
	Name               string     `json:"name"`
	Merged             bool       `json:"merged"`
	Protected          bool       `json:"protected"`
	Default            bool       `json:"default"`
	DevelopersCanPush  bool       `json:"developers_can_push"`
	DevelopersCanMerge bool       `json:"developers_can_merge"`
	CanPush            bool       `json:"can_push"`
	WebURL             string     `json:"web_url"`
	Commit             CommitView `json:"commit"`
}

func (s *Server) branchView(r *request, p *projectState, name string) Branch {
	c := p.repo.commits[p.repo.branches[name]]
	def := name == p.DefaultBranch
	return Branch{
		Name: name, Default: def, Protected: def, CanPush: r.role(p) >= Developer && (!def || r.role(p) >= Maintainer),
		Merged: !def && p.repo.isAncestor(c.ID, p.repo.branches[p.DefaultBranch]),
		WebURL: s.baseURL + "/" + p.PathWithNamespace + "/-/tree/" + name,
		Commit: s.commitView(p, c, false),
	}
}

// Files returns the files on a branch (or at a commit) of a project.
func (s *Server) Files(projectID int, ref string) map[string][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.mustProject(projectID).repo.resolve(ref)
	if c == nil {
		return nil
	}
	return maps.Clone(c.files)
}

// BranchHead returns the commit id a branch points at, or "" when it does not exist.
func (s *Server) BranchHead(projectID int, branch string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mustProject(projectID).repo.branches[branch]
}

// Branches lists a project's branch names.
func (s *Server) Branches(projectID int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.mustProject(projectID).repo.branches))
}

// readCode is the role needed to read a project's repository and CI.
func readCode(p *projectState) AccessLevel {
	if p.Visibility == "private" {
		return Reporter
	}
	return Guest
}

func (s *Server) repositoryRoutes() {
	s.route("GET /projects/:id/repository/branches", func(r *request) {
		p, ok := r.codeProject()
		if !ok {
			return
		}
		q := strings.ToLower(r.params.get("search"))
		names := slices.Sorted(maps.Keys(p.repo.branches))
		var out []Branch
		for _, n := range names {
			if q == "" || strings.Contains(strings.ToLower(n), q) {
				out = append(out, s.branchView(r, p, n))
			}
		}
		r.json(http.StatusOK, paginate(r, nonNil(out)))
	})
	s.route("GET /projects/:id/repository/branches/:branch", func(r *request) {
		p, ok := r.codeProject()
		if !ok {
			return
		}
		name := r.r.PathValue("branch")
		if _, ok := p.repo.branches[name]; !ok {
			r.notFound("Branch")
			return
		}
		r.json(http.StatusOK, s.branchView(r, p, name))
	})
	s.route("POST /projects/:id/repository/branches", func(r *request) {
		p, ok := r.project(Developer)
		if !ok {
			return
		}
		name, ref := r.params.get("branch"), r.params.get("ref")
		switch {
		case name == "":
			r.missing("branch")
			return
		case ref == "":
			r.missing("ref")
			return
		case !validBranchName(name):
			r.fail(http.StatusBadRequest, "Branch name is invalid")
			return
		}
		if _, exists := p.repo.branches[name]; exists {
			r.fail(http.StatusBadRequest, "Branch already exists")
			return
		}
		c := p.repo.resolve(ref)
		if c == nil {
			r.fail(http.StatusBadRequest, "Invalid reference name: "+ref)
			return
		}
		p.repo.branches[name] = c.ID
		r.json(http.StatusCreated, s.branchView(r, p, name))
	})
	s.route("DELETE /projects/:id/repository/branches/:branch", func(r *request) {
		p, ok := r.project(Developer)
		if !ok {
			return
		}
		name := r.r.PathValue("branch")
		if _, ok := p.repo.branches[name]; !ok {
			r.notFound("Branch")
			return
		}
		if name == p.DefaultBranch {
			r.fail(http.StatusForbidden, "403 Forbidden")
			return
		}
		delete(p.repo.branches, name)
		r.w.WriteHeader(http.StatusNoContent)
	})
	s.fileRoutes()
	s.commitRoutes()
	s.route("GET /projects/:id/repository/archive", s.archive)
	s.route("GET /projects/:id/repository/archive.tar.gz", s.archive)
}

func (r *request) codeProject() (*projectState, bool) {
	p := r.s.lookupProject(r.r.PathValue("id"))
	if p == nil {
		r.notFound("Project")
		return nil, false
	}
	return r.project(readCode(p))
}

func validBranchName(n string) bool {
	return n != "" && !strings.ContainsAny(n, " ~^:?*[\\") && !strings.Contains(n, "..") &&
		!strings.HasPrefix(n, "-") && !strings.HasSuffix(n, "/") && !strings.HasSuffix(n, ".lock")
}

// sortedPaths returns the file paths of a tree in git order.
func sortedPaths(files map[string][]byte) []string {
	ps := slices.Collect(maps.Keys(files))
	sort.Strings(ps)
	return ps
}
