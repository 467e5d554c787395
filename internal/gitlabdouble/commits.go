package gitlabdouble

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"strings"
)

// commitAction is one entry of the actions array of POST /repository/commits.
type commitAction struct {
	Action       string  `json:"action"`
	FilePath     string  `json:"file_path"`
	PreviousPath string  `json:"previous_path"`
	Content      *string `json:"content"`
	Encoding     string  `json:"encoding"`
	LastCommitID string  `json:"last_commit_id"`
}

func (s *Server) commitRoutes() {
	s.route("POST /projects/:id/repository/commits", s.createCommit)
	s.route("GET /projects/:id/repository/commits/:sha", func(r *request) {
		p, ok := r.codeProject()
		if !ok {
			return
		}
		c := p.repo.resolve(r.r.PathValue("sha"))
		if c == nil {
			r.notFound("Commit")
			return
		}
		r.json(http.StatusOK, s.commitView(p, c, true))
	})
	s.route("GET /projects/:id/repository/commits", func(r *request) {
		p, ok := r.codeProject()
		if !ok {
			return
		}
		ref := cmp.Or(r.params.get("ref_name"), p.DefaultBranch)
		c := p.repo.resolve(ref)
		if c == nil {
			r.notFound("Commit")
			return
		}
		var out []CommitView
		for c != nil {
			out = append(out, s.commitView(p, c, false))
			if len(c.ParentIDs) == 0 {
				break
			}
			c = p.repo.commits[c.ParentIDs[0]]
		}
		r.json(http.StatusOK, paginate(r, out))
	})
}

// createCommit applies actions on top of start_branch (or branch) the way
// GitLab's Commits::CreateService does, rejecting conflicts with its messages.
func (s *Server) createCommit(r *request) {
	p, ok := r.project(Developer)
	if !ok {
		return
	}
	branch, message := r.params.get("branch"), r.params.get("commit_message")
	var missing []string
	if branch == "" {
		missing = append(missing, "branch is missing")
	}
	if message == "" {
		missing = append(missing, "commit_message is missing")
	}
	var actions []commitAction
	if raw, ok := r.params.body["actions"]; ok {
		if err := json.Unmarshal(raw, &actions); err != nil {
			r.invalid("actions")
			return
		}
	} else {
		missing = append(missing, "actions is missing")
	}
	if len(missing) > 0 {
		r.json(http.StatusBadRequest, map[string]string{"error": strings.Join(missing, ", ")})
		return
	}
	c, ok := s.commitActions(r, p, branch, message, actions)
	if ok {
		r.json(http.StatusCreated, s.commitView(p, c, true))
	}
}

// commitActions applies actions on top of start_branch/start_sha (or
// branch) and moves branch to the new commit; on a conflict it answers the
// request with GitLab's message and reports false.
func (s *Server) commitActions(r *request, p *projectState, branch, message string, actions []commitAction) (*commit, bool) {
	if branch == p.DefaultBranch && r.role(p) < Maintainer {
		r.fail(http.StatusForbidden, "You are not allowed to push into this branch")
		return nil, false
	}
	start := r.params.get("start_branch")
	startSHA := r.params.get("start_sha")
	force, _, _ := r.params.boolean("force")
	_, branchExists := p.repo.branches[branch]
	var base *commit
	switch {
	case start != "" || startSHA != "":
		if branchExists && !force {
			r.fail(http.StatusBadRequest, "A branch called '"+branch+"' already exists. Switch to that branch in order to make changes")
			return nil, false
		}
		ref := start
		if ref == "" {
			ref = startSHA
		}
		if start != "" {
			if sha, ok := p.repo.branches[start]; ok {
				base = p.repo.commits[sha]
			}
		} else {
			base = p.repo.resolve(startSHA)
		}
		if base == nil {
			r.fail(http.StatusBadRequest, "Invalid reference name: "+ref)
			return nil, false
		}
	case branchExists:
		base = p.repo.commits[p.repo.branches[branch]]
	default:
		r.fail(http.StatusBadRequest, "You can only create or edit files when you are on a branch")
		return nil, false
	}
	if !validBranchName(branch) {
		r.fail(http.StatusBadRequest, "Branch name is invalid")
		return nil, false
	}
	files := maps.Clone(base.files)
	for _, a := range actions {
		if msg := applyAction(&p.repo, files, base, a); msg != "" {
			r.fail(http.StatusBadRequest, msg)
			return nil, false
		}
	}
	author, email := r.user.Name, r.user.email
	if v := r.params.get("author_name"); v != "" {
		author = v
	}
	if v := r.params.get("author_email"); v != "" {
		email = v
	}
	c := p.repo.commit(branch, base.ID, files, message, author, email, s.now())
	p.LastActivityAt = c.CreatedAt
	return c, true
}

// applyAction changes files by one action and returns GitLab's error
// message when it conflicts with what is there.
func applyAction(repo *repository, files map[string][]byte, base *commit, a commitAction) string {
	fp := strings.TrimPrefix(a.FilePath, "/")
	if fp == "" {
		return "You must provide a file path"
	}
	content := func() ([]byte, string) {
		if a.Content == nil {
			return []byte{}, ""
		}
		if a.Encoding == "base64" {
			b, err := base64.StdEncoding.DecodeString(*a.Content)
			if err != nil {
				return nil, "Invalid base64 content"
			}
			return b, ""
		}
		return []byte(*a.Content), ""
	}
	stale := func(path string) bool {
		return a.LastCommitID != "" && !strings.HasPrefix(repo.lastCommit(base, path), a.LastCommitID)
	}
	_, exists := files[fp]
	switch a.Action {
	case "create":
		if exists {
			return "A file with this name already exists"
		}
		b, msg := content()
		if msg != "" {
			return msg
		}
		files[fp] = b
	case "update":
		if !exists {
			return "A file with this name doesn't exist"
		}
		if stale(fp) {
			return "You are attempting to update a file that has changed since you started editing it."
		}
		b, msg := content()
		if msg != "" {
			return msg
		}
		files[fp] = b
	case "delete":
		if !exists {
			return "A file with this name doesn't exist"
		}
		delete(files, fp)
	case "move":
		prev := strings.TrimPrefix(a.PreviousPath, "/")
		old, had := files[prev]
		if !had {
			return "A file with this name doesn't exist"
		}
		if exists && prev != fp {
			return "A file with this name already exists"
		}
		delete(files, prev)
		files[fp] = old
		if a.Content != nil {
			b, msg := content()
			if msg != "" {
				return msg
			}
			files[fp] = b
		}
	case "chmod":
		if !exists {
			return "A file with this name doesn't exist"
		}
	default:
		return "Unknown action '" + a.Action + "'"
	}
	return ""
}
