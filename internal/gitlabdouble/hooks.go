package gitlabdouble

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// Hook is a project webhook as the hooks API shows it; the secret token is
// never shown, as in GitLab.
type Hook struct {
	ID                       int       `json:"id"`
	URL                      string    `json:"url"`
	Name                     string    `json:"name"`
	Description              string    `json:"description"`
	ProjectID                int       `json:"project_id"`
	PushEvents               bool      `json:"push_events"`
	PushEventsBranchFilter   string    `json:"push_events_branch_filter"`
	IssuesEvents             bool      `json:"issues_events"`
	ConfidentialIssuesEvents bool      `json:"confidential_issues_events"`
	MergeRequestsEvents      bool      `json:"merge_requests_events"`
	TagPushEvents            bool      `json:"tag_push_events"`
	NoteEvents               bool      `json:"note_events"`
	ConfidentialNoteEvents   bool      `json:"confidential_note_events"`
	JobEvents                bool      `json:"job_events"`
	PipelineEvents           bool      `json:"pipeline_events"`
	WikiPageEvents           bool      `json:"wiki_page_events"`
	DeploymentEvents         bool      `json:"deployment_events"`
	ReleasesEvents           bool      `json:"releases_events"`
	EnableSSLVerification    bool      `json:"enable_ssl_verification"`
	AlertStatus              string    `json:"alert_status"`
	DisabledUntil            *string   `json:"disabled_until"`
	CreatedAt                time.Time `json:"created_at"`

	token string
	uuid  string
}

// hookFlags maps the API's event parameters to the fields they set.
func (h *Hook) flags() map[string]*bool {
	return map[string]*bool{
		"push_events": &h.PushEvents, "issues_events": &h.IssuesEvents,
		"confidential_issues_events": &h.ConfidentialIssuesEvents, "merge_requests_events": &h.MergeRequestsEvents,
		"tag_push_events": &h.TagPushEvents, "note_events": &h.NoteEvents,
		"confidential_note_events": &h.ConfidentialNoteEvents, "job_events": &h.JobEvents,
		"pipeline_events": &h.PipelineEvents, "wiki_page_events": &h.WikiPageEvents,
		"deployment_events": &h.DeploymentEvents, "releases_events": &h.ReleasesEvents,
		"enable_ssl_verification": &h.EnableSSLVerification,
	}
}

// wants reports whether the hook subscribes to the X-Gitlab-Event name.
func (h *Hook) wants(event string) bool {
	switch event {
	case "Issue Hook":
		return h.IssuesEvents
	case "Confidential Issue Hook":
		return h.ConfidentialIssuesEvents
	case "Note Hook":
		return h.NoteEvents
	case "Confidential Note Hook":
		return h.ConfidentialNoteEvents
	case "Merge Request Hook":
		return h.MergeRequestsEvents
	case "Job Hook":
		return h.JobEvents
	case "Pipeline Hook":
		return h.PipelineEvents
	case "Push Hook":
		return h.PushEvents
	}
	return false
}

// HookSpec seeds a project webhook; Events lists API event parameter names
// such as "job_events".
type HookSpec struct {
	URL    string
	Token  string
	Events []string
}

// AddHook registers a webhook on a project without going through the API.
func (s *Server) AddHook(projectID int, spec HookSpec) Hook {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustProject(projectID)
	h := s.newHook(p, spec.URL, spec.Token)
	h.PushEvents = false
	flags := h.flags()
	for _, e := range spec.Events {
		if f, ok := flags[e]; ok {
			*f = true
		}
	}
	return *h
}

// Hooks returns the project's webhooks.
func (s *Server) Hooks(projectID int) []Hook {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Hook
	for _, h := range s.mustProject(projectID).hooks {
		out = append(out, *h)
	}
	return out
}

func (s *Server) newHook(p *projectState, u, token string) *Hook {
	h := &Hook{
		ID: s.ids.next(&s.ids.hook), URL: u, ProjectID: p.ID, PushEvents: true,
		EnableSSLVerification: true, AlertStatus: "executable", CreatedAt: s.now(),
		token: token, uuid: newUUID(),
	}
	p.hooks = append(p.hooks, h)
	return h
}

func validHookURL(u string) bool {
	pu, err := url.Parse(u)
	return err == nil && (pu.Scheme == "http" || pu.Scheme == "https") && pu.Host != ""
}

func (s *Server) hookRoutes() {
	s.route("GET /projects/:id/hooks", func(r *request) {
		p, ok := r.project(Maintainer)
		if !ok {
			return
		}
		out := make([]Hook, 0, len(p.hooks))
		for _, h := range p.hooks {
			out = append(out, *h)
		}
		r.json(http.StatusOK, paginate(r, out))
	})
	s.route("GET /projects/:id/hooks/:hook_id", func(r *request) {
		if _, h, ok := r.hook(); ok {
			r.json(http.StatusOK, *h)
		}
	})
	s.route("POST /projects/:id/hooks", func(r *request) {
		p, ok := r.project(Maintainer)
		if !ok {
			return
		}
		u, ok := r.params.str("url")
		if !ok {
			r.missing("url")
			return
		}
		if !validHookURL(u) {
			r.json(http.StatusUnprocessableEntity, map[string]any{"error": "Invalid url given"})
			return
		}
		h := s.newHook(p, u, r.params.get("token"))
		if !s.setHookFields(r, h) {
			p.hooks = p.hooks[:len(p.hooks)-1]
			return
		}
		r.json(http.StatusCreated, *h)
	})
	s.route("PUT /projects/:id/hooks/:hook_id", func(r *request) {
		_, h, ok := r.hook()
		if !ok {
			return
		}
		if u, ok := r.params.str("url"); ok {
			if !validHookURL(u) {
				r.json(http.StatusUnprocessableEntity, map[string]any{"error": "Invalid url given"})
				return
			}
			h.URL = u
		}
		if t, ok := r.params.str("token"); ok {
			h.token = t
		}
		if s.setHookFields(r, h) {
			r.json(http.StatusOK, *h)
		}
	})
	s.route("DELETE /projects/:id/hooks/:hook_id", func(r *request) {
		p, h, ok := r.hook()
		if !ok {
			return
		}
		p.hooks = slices.DeleteFunc(p.hooks, func(x *Hook) bool { return x == h })
		r.w.WriteHeader(http.StatusNoContent)
	})
}

func (s *Server) setHookFields(r *request, h *Hook) bool {
	for name, f := range h.flags() {
		v, ok, err := r.params.boolean(name)
		if err != nil {
			r.invalid(name)
			return false
		}
		if ok {
			*f = v
		}
	}
	if v, ok := r.params.str("name"); ok {
		h.Name = v
	}
	if v, ok := r.params.str("description"); ok {
		h.Description = v
	}
	if v, ok := r.params.str("push_events_branch_filter"); ok {
		h.PushEventsBranchFilter = v
	}
	return true
}

func (r *request) hook() (*projectState, *Hook, bool) {
	p, ok := r.project(Maintainer)
	if !ok {
		return nil, nil, false
	}
	id, ok := r.intPath("hook_id", "Hook")
	if !ok {
		return nil, nil, false
	}
	for _, h := range p.hooks {
		if h.ID == id {
			return p, h, true
		}
	}
	r.notFound("Hook")
	return nil, nil, false
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
