package gitlabdouble

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MergeRequest is a merge request as the merge requests API shows it.
type MergeRequest struct {
	ID                          int            `json:"id"`
	IID                         int            `json:"iid"`
	ProjectID                   int            `json:"project_id"`
	Title                       string         `json:"title"`
	Description                 string         `json:"description"`
	State                       string         `json:"state"`
	CreatedAt                   time.Time      `json:"created_at"`
	UpdatedAt                   time.Time      `json:"updated_at"`
	MergedBy                    *User          `json:"merged_by"`
	MergeUser                   *User          `json:"merge_user"`
	MergedAt                    *time.Time     `json:"merged_at"`
	ClosedBy                    *User          `json:"closed_by"`
	ClosedAt                    *time.Time     `json:"closed_at"`
	TargetBranch                string         `json:"target_branch"`
	SourceBranch                string         `json:"source_branch"`
	UserNotesCount              int            `json:"user_notes_count"`
	Upvotes                     int            `json:"upvotes"`
	Downvotes                   int            `json:"downvotes"`
	Author                      User           `json:"author"`
	Assignees                   []User         `json:"assignees"`
	Assignee                    *User          `json:"assignee"`
	Reviewers                   []User         `json:"reviewers"`
	SourceProjectID             int            `json:"source_project_id"`
	TargetProjectID             int            `json:"target_project_id"`
	Labels                      []string       `json:"labels"`
	Draft                       bool           `json:"draft"`
	WorkInProgress              bool           `json:"work_in_progress"`
	Milestone                   *struct{}      `json:"milestone"`
	MergeWhenPipelineSucceeds   bool           `json:"merge_when_pipeline_succeeds"`
	MergeStatus                 string         `json:"merge_status"`
	DetailedMergeStatus         string         `json:"detailed_merge_status"`
	SHA                         string         `json:"sha"`
	MergeCommitSHA              *string        `json:"merge_commit_sha"`
	SquashCommitSHA             *string        `json:"squash_commit_sha"`
	DiscussionLocked            *bool          `json:"discussion_locked"`
	ShouldRemoveSourceBranch    *bool          `json:"should_remove_source_branch"`
	ForceRemoveSourceBranch     bool           `json:"force_remove_source_branch"`
	Reference                   string         `json:"reference"`
	References                  References     `json:"references"`
	WebURL                      string         `json:"web_url"`
	TimeStats                   TimeStats      `json:"time_stats"`
	Squash                      bool           `json:"squash"`
	SquashOnMerge               bool           `json:"squash_on_merge"`
	TaskCompletionStatus        TaskCompletion `json:"task_completion_status"`
	HasConflicts                bool           `json:"has_conflicts"`
	BlockingDiscussionsResolved bool           `json:"blocking_discussions_resolved"`
	HeadPipeline                *Pipeline      `json:"head_pipeline,omitempty"`
	MergeError                  *string        `json:"merge_error"`
	ChangesCount                string         `json:"changes_count,omitempty"`
}

type mrState struct {
	ID, IID                    int
	Title, Description         string
	State                      string
	SourceBranch, TargetBranch string
	Labels                     []string
	AssigneeIDs                []int
	AuthorID                   int
	CreatedAt, UpdatedAt       time.Time
	MergedAt, ClosedAt         *time.Time
	MergedBy, ClosedBy         int
	MergeCommitSHA             string
	mergedSHA                  string // source head at merge time
	autoMerge                  bool
	autoMergeBy                int
	removeSourceBranch         bool
	notes                      []*noteState
}

func mrNoteable(m *mrState) noteable {
	return noteable{kind: "MergeRequest", id: m.ID, iid: m.IID, notes: &m.notes}
}

func (p *projectState) mr(iid int) *mrState {
	if iid < 1 || iid > len(p.mrs) {
		return nil
	}
	return p.mrs[iid-1]
}

// MergeRequests returns a snapshot of the project's merge requests in iid order.
func (s *Server) MergeRequests(projectID int) []MergeRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustProject(projectID)
	var out []MergeRequest
	for _, m := range p.mrs {
		out = append(out, s.mrView(p, m, false))
	}
	return out
}

// MRNotes returns a snapshot of a merge request's notes, oldest first.
func (s *Server) MRNotes(projectID, iid int) []Note {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustProject(projectID)
	m := p.mr(iid)
	if m == nil {
		return nil
	}
	out := []Note{}
	for _, n := range m.notes {
		out = append(out, s.noteView(p, mrNoteable(m), n))
	}
	return out
}

func (s *Server) mrWebURL(p *projectState, m *mrState) string {
	return s.baseURL + "/" + p.PathWithNamespace + "/-/merge_requests/" + strconv.Itoa(m.IID)
}

func (s *Server) mrSHA(p *projectState, m *mrState) string {
	if m.State == "merged" {
		return m.mergedSHA
	}
	return p.repo.branches[m.SourceBranch]
}

func (s *Server) mrView(p *projectState, m *mrState, single bool) MergeRequest {
	status, detailed, conflicts := "can_be_merged", "mergeable", false
	if m.State == "opened" {
		if _, err := s.mergeTrees(p, m); err != nil {
			status, detailed, conflicts = "cannot_be_merged", "conflict", true
		}
	} else {
		detailed = "not_open"
	}
	draft := isDraft(m.Title)
	if draft && m.State == "opened" {
		detailed = "draft_status"
	}
	ref := "!" + strconv.Itoa(m.IID)
	v := MergeRequest{
		ID: m.ID, IID: m.IID, ProjectID: p.ID, Title: m.Title, Description: m.Description, State: m.State,
		CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt, MergedAt: m.MergedAt, ClosedAt: m.ClosedAt,
		TargetBranch: m.TargetBranch, SourceBranch: m.SourceBranch, Author: *s.userRef(m.AuthorID),
		Assignees: []User{}, Reviewers: []User{}, SourceProjectID: p.ID, TargetProjectID: p.ID,
		Labels: slices.Clone(m.Labels), Draft: draft, WorkInProgress: draft,
		MergeWhenPipelineSucceeds: m.autoMerge, MergeStatus: status, DetailedMergeStatus: detailed,
		SHA: s.mrSHA(p, m), Reference: ref, WebURL: s.mrWebURL(p, m), HasConflicts: conflicts,
		References:           References{Short: ref, Relative: ref, Full: p.PathWithNamespace + ref},
		TaskCompletionStatus: tasks(m.Description), BlockingDiscussionsResolved: true,
		ShouldRemoveSourceBranch: &m.removeSourceBranch,
	}
	remove, mergeSHA := m.removeSourceBranch, m.MergeCommitSHA
	v.ShouldRemoveSourceBranch = &remove
	if mergeSHA != "" {
		v.MergeCommitSHA = &mergeSHA
	}
	if m.MergedBy != 0 {
		v.MergedBy, v.MergeUser = s.userRef(m.MergedBy), s.userRef(m.MergedBy)
	}
	if m.autoMerge {
		v.MergeUser = s.userRef(m.autoMergeBy)
	}
	if m.ClosedBy != 0 {
		v.ClosedBy = s.userRef(m.ClosedBy)
	}
	for _, id := range m.AssigneeIDs {
		if u := s.userRef(id); u != nil {
			v.Assignees = append(v.Assignees, *u)
		}
	}
	if len(v.Assignees) > 0 {
		v.Assignee = &v.Assignees[0]
	}
	for _, n := range m.notes {
		if !n.System {
			v.UserNotesCount++
		}
	}
	if single {
		for k := len(p.pipelines) - 1; k >= 0; k-- {
			if pl := p.pipelines[k]; pl.Ref == m.SourceBranch && pl.SHA == v.SHA {
				c := *pl
				v.HeadPipeline = &c
				break
			}
		}
		if files, err := s.mergeTrees(p, m); err == nil && m.State == "opened" {
			v.ChangesCount = strconv.Itoa(changedFiles(p.repo.commits[p.repo.branches[m.TargetBranch]].files, files))
		}
	}
	return v
}

func isDraft(title string) bool {
	t := strings.ToLower(title)
	return strings.HasPrefix(t, "draft:") || strings.HasPrefix(t, "[draft]") || strings.HasPrefix(t, "(draft)")
}

func changedFiles(a, b map[string][]byte) int {
	n := 0
	for k, v := range b {
		if old, ok := a[k]; !ok || string(old) != string(v) {
			n++
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			n++
		}
	}
	return n
}

func (s *Server) mergeRequestRoutes() {
	s.route("GET /projects/:id/merge_requests", s.listMergeRequests)
	s.route("GET /projects/:id/merge_requests/:merge_request_iid", func(r *request) {
		if p, m, ok := r.mergeRequest(Reporter); ok {
			r.json(http.StatusOK, s.mrView(p, m, true))
		}
	})
	s.route("POST /projects/:id/merge_requests", s.createMergeRequest)
	s.route("PUT /projects/:id/merge_requests/:merge_request_iid", s.updateMergeRequest)
	s.route("PUT /projects/:id/merge_requests/:merge_request_iid/merge", s.acceptMergeRequest)
}

func (r *request) mergeRequest(min AccessLevel) (*projectState, *mrState, bool) {
	p, ok := r.project(min)
	if !ok {
		return nil, nil, false
	}
	iid, ok := r.intPath("merge_request_iid", "")
	if !ok {
		return nil, nil, false
	}
	m := p.mr(iid)
	if m == nil {
		r.notFound("")
		return nil, nil, false
	}
	return p, m, true
}

func (s *Server) listMergeRequests(r *request) {
	p, ok := r.project(Reporter)
	if !ok {
		return
	}
	q := r.params
	state := cmp.Or(q.get("state"), "all")
	labels, hasLabels := q.list("labels")
	iids, _, err := q.ints("iids")
	if err != nil {
		r.invalid("iids")
		return
	}
	search := strings.ToLower(q.get("search"))
	var out []*mrState
	for _, m := range p.mrs {
		switch {
		case state != "all" && m.State != state:
		case q.get("source_branch") != "" && m.SourceBranch != q.get("source_branch"):
		case q.get("target_branch") != "" && m.TargetBranch != q.get("target_branch"):
		case hasLabels && !matchLabels(m.Labels, labels):
		case len(iids) > 0 && !slices.Contains(iids, m.IID):
		case search != "" && !strings.Contains(strings.ToLower(m.Title+"\n"+m.Description), search):
		default:
			out = append(out, m)
		}
	}
	sortListed(q, out, func(m *mrState) (time.Time, time.Time, int) { return m.CreatedAt, m.UpdatedAt, m.ID })
	page := paginate(r, out)
	views := make([]MergeRequest, 0, len(page))
	for _, m := range page {
		views = append(views, s.mrView(p, m, false))
	}
	r.json(http.StatusOK, views)
}

func (s *Server) createMergeRequest(r *request) {
	p, ok := r.project(Developer)
	if !ok {
		return
	}
	src, dst, title := r.params.get("source_branch"), r.params.get("target_branch"), r.params.get("title")
	for _, f := range []struct{ name, v string }{{"source_branch", src}, {"target_branch", dst}, {"title", title}} {
		if f.v == "" {
			r.missing(f.name)
			return
		}
	}
	if r.tooLong("title", title, maxTitle) || r.tooLong("description", r.params.get("description"), maxText) {
		return
	}
	if src == dst {
		r.json(http.StatusUnprocessableEntity, map[string]any{"message": []string{"You can't use same project/branch for source and target"}})
		return
	}
	for _, b := range []struct{ kind, name string }{{"Source", src}, {"Target", dst}} {
		if _, ok := p.repo.branches[b.name]; !ok {
			r.json(http.StatusBadRequest, map[string]any{"message": []string{fmt.Sprintf("%s branch \"%s\" does not exist", b.kind, b.name)}})
			return
		}
	}
	for _, m := range p.mrs {
		if m.State == "opened" && m.SourceBranch == src && m.TargetBranch == dst {
			r.json(http.StatusConflict, map[string]any{"message": []string{"Another open merge request already exists for this source branch: !" + strconv.Itoa(m.IID)}})
			return
		}
	}
	now := s.now()
	m := &mrState{
		ID: s.ids.next(&s.ids.mr), IID: len(p.mrs) + 1, Title: title, Description: r.params.get("description"),
		State: "opened", SourceBranch: src, TargetBranch: dst, AuthorID: r.user.ID, CreatedAt: now, UpdatedAt: now,
		Labels: []string{},
	}
	if names, ok := r.params.list("labels"); ok {
		m.Labels = s.ensureLabels(p, names)
	}
	ids, err := r.assigneeIDs()
	if err != nil {
		r.invalid("assignee_ids")
		return
	}
	m.AssigneeIDs = ids
	m.removeSourceBranch, _, _ = r.params.boolean("remove_source_branch")
	p.mrs = append(p.mrs, m)
	s.mrEvent(p, m, r.user, "open", nil)
	r.json(http.StatusCreated, s.mrView(p, m, true))
}

func (s *Server) updateMergeRequest(r *request) {
	p, m, ok := r.mergeRequest(Developer)
	if !ok {
		return
	}
	before := *m
	before.Labels = slices.Clone(m.Labels)
	if t, ok := r.params.str("title"); ok {
		if strings.TrimSpace(t) == "" {
			r.json(http.StatusBadRequest, map[string]any{"message": map[string][]string{"title": {"can't be blank"}}})
			return
		}
		if r.tooLong("title", t, maxTitle) {
			return
		}
		m.Title = t
	}
	if d, ok := r.params.str("description"); ok {
		if r.tooLong("description", d, maxText) {
			return
		}
		m.Description = d
	}
	if t, ok := r.params.str("target_branch"); ok {
		if _, exists := p.repo.branches[t]; !exists {
			r.json(http.StatusBadRequest, map[string]any{"message": []string{fmt.Sprintf("Target branch \"%s\" does not exist", t)}})
			return
		}
		m.TargetBranch = t
	}
	if names, ok := r.params.list("labels"); ok {
		m.Labels = s.ensureLabels(p, names)
	}
	if add, ok := r.params.list("add_labels"); ok {
		m.Labels = s.ensureLabels(p, append(slices.Clone(m.Labels), add...))
	}
	if rm, ok := r.params.list("remove_labels"); ok {
		m.Labels = slices.DeleteFunc(m.Labels, func(n string) bool { return slices.Contains(rm, n) })
	}
	if r.params.has("assignee_ids") || r.params.has("assignee_id") {
		ids, err := r.assigneeIDs()
		if err != nil {
			r.invalid("assignee_ids")
			return
		}
		m.AssigneeIDs = ids
	}
	if v, ok, _ := r.params.boolean("remove_source_branch"); ok {
		m.removeSourceBranch = v
	}
	action := "update"
	now := s.now()
	switch r.params.get("state_event") {
	case "":
	case "close":
		if m.State == "opened" {
			m.State, m.ClosedAt, m.ClosedBy, m.autoMerge = "closed", &now, r.user.ID, false
			action = "close"
		}
	case "reopen":
		if m.State == "closed" {
			m.State, m.ClosedAt, m.ClosedBy = "opened", nil, 0
			action = "reopen"
		}
	default:
		r.json(http.StatusBadRequest, map[string]string{"error": "state_event does not have a valid value"})
		return
	}
	changes := mrChanges(&before, m)
	if len(changes) > 0 || action != "update" {
		m.UpdatedAt = now
		s.mrEvent(p, m, r.user, action, changes)
	}
	r.json(http.StatusOK, s.mrView(p, m, true))
}

func mrChanges(a, b *mrState) map[string]change {
	c := map[string]change{}
	if a.Title != b.Title {
		c["title"] = change{a.Title, b.Title}
	}
	if a.Description != b.Description {
		c["description"] = change{a.Description, b.Description}
	}
	if a.TargetBranch != b.TargetBranch {
		c["target_branch"] = change{a.TargetBranch, b.TargetBranch}
	}
	if !slices.Equal(a.Labels, b.Labels) {
		c["labels"] = change{a.Labels, b.Labels}
	}
	if !slices.Equal(a.AssigneeIDs, b.AssigneeIDs) {
		c["assignees"] = change{a.AssigneeIDs, b.AssigneeIDs}
	}
	if a.State != b.State {
		c["state_id"] = change{stateID(a.State), stateID(b.State)}
	}
	return c
}

func (s *Server) acceptMergeRequest(r *request) {
	p, m, ok := r.mergeRequest(Developer)
	if !ok {
		return
	}
	if m.State != "opened" {
		r.fail(http.StatusMethodNotAllowed, "405 Method Not Allowed")
		return
	}
	if isDraft(m.Title) {
		r.fail(http.StatusMethodNotAllowed, "405 Method Not Allowed")
		return
	}
	head := p.repo.branches[m.SourceBranch]
	if sha := r.params.get("sha"); sha != "" && sha != head {
		r.fail(http.StatusConflict, "SHA does not match HEAD of source branch: "+head)
		return
	}
	if v, ok, _ := r.params.boolean("should_remove_source_branch"); ok {
		m.removeSourceBranch = v
	}
	auto, _, _ := r.params.boolean("auto_merge")
	mwps, _, _ := r.params.boolean("merge_when_pipeline_succeeds")
	if auto || mwps {
		if !s.pipelinePassed(p, m.SourceBranch, head) {
			if !m.autoMerge {
				m.autoMerge, m.autoMergeBy, m.UpdatedAt = true, r.user.ID, s.now()
				s.addNote(mrNoteable(m), r.user.ID, "enabled an automatic merge when the pipeline for "+head+" succeeds", true, false)
				s.mrEvent(p, m, r.user, "update", map[string]change{"merge_when_pipeline_succeeds": {false, true}})
			}
			r.json(http.StatusOK, s.mrView(p, m, true))
			return
		}
	}
	if err := s.merge(p, m, r.user, r.params.get("merge_commit_message")); err != nil {
		r.fail(http.StatusUnprocessableEntity, "Branch cannot be merged")
		return
	}
	r.json(http.StatusOK, s.mrView(p, m, true))
}
