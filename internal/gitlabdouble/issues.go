package gitlabdouble

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Issue is an issue as the issues API shows it.
type Issue struct {
	ID                   int            `json:"id"`
	IID                  int            `json:"iid"`
	ProjectID            int            `json:"project_id"`
	Title                string         `json:"title"`
	Description          string         `json:"description"`
	State                string         `json:"state"`
	CreatedAt            time.Time      `json:"created_at"`
	UpdatedAt            time.Time      `json:"updated_at"`
	ClosedAt             *time.Time     `json:"closed_at"`
	ClosedBy             *User          `json:"closed_by"`
	Labels               []string       `json:"labels"`
	Milestone            *struct{}      `json:"milestone"`
	Assignees            []User         `json:"assignees"`
	Author               User           `json:"author"`
	Type                 string         `json:"type"`
	IssueType            string         `json:"issue_type"`
	Assignee             *User          `json:"assignee"`
	UserNotesCount       int            `json:"user_notes_count"`
	MergeRequestsCount   int            `json:"merge_requests_count"`
	Upvotes              int            `json:"upvotes"`
	Downvotes            int            `json:"downvotes"`
	DueDate              *Date          `json:"due_date"`
	Confidential         bool           `json:"confidential"`
	DiscussionLocked     *bool          `json:"discussion_locked"`
	WebURL               string         `json:"web_url"`
	TimeStats            TimeStats      `json:"time_stats"`
	TaskCompletionStatus TaskCompletion `json:"task_completion_status"`
	HasTasks             bool           `json:"has_tasks"`
	Links                IssueLinks     `json:"_links"`
	References           References     `json:"references"`
	Severity             string         `json:"severity"`
	Subscribed           bool           `json:"subscribed"`
	MovedToID            *int           `json:"moved_to_id"`
	ServiceDeskReplyTo   *string        `json:"service_desk_reply_to"`
}

// TimeStats is the time tracking block of issues and merge requests.
type TimeStats struct {
	TimeEstimate        int     `json:"time_estimate"`
	TotalTimeSpent      int     `json:"total_time_spent"`
	HumanTimeEstimate   *string `json:"human_time_estimate"`
	HumanTotalTimeSpent *string `json:"human_total_time_spent"`
}

// TaskCompletion counts checklist items in a description.
type TaskCompletion struct {
	Count          int `json:"count"`
	CompletedCount int `json:"completed_count"`
}

// IssueLinks are the API links of an issue.
type IssueLinks struct {
	Self       string `json:"self"`
	Notes      string `json:"notes"`
	AwardEmoji string `json:"award_emoji"`
	Project    string `json:"project"`
}

// References are the short, relative and full references of an issuable.
type References struct {
	Short    string `json:"short"`
	Relative string `json:"relative"`
	Full     string `json:"full"`
}

// issueState is an issue as stored: users by id, rendered on the way out.
type issueState struct {
	ID, IID              int
	Title, Description   string
	State                string
	CreatedAt, UpdatedAt time.Time
	ClosedAt             *time.Time
	ClosedBy             int
	Labels               []string
	AssigneeIDs          []int
	AuthorID             int
	DueDate              *Date
	Confidential         bool
	DiscussionLocked     *bool
	notes                []*noteState
	// Search scans every issue of a project per request (under the
	// server's lock): the lower-cased texts are kept between requests.
	titleLower, descriptionLower lowered
}

// lowered is a string lower-cased, kept until the string changes.
type lowered struct{ of, lower string }

func (m *lowered) get(s string) string {
	if m.of != s {
		m.of, m.lower = s, strings.ToLower(s)
	}
	return m.lower
}

// Issues returns a snapshot of the project's issues in iid order.
func (s *Server) Issues(projectID int) []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustProject(projectID)
	out := make([]Issue, 0, len(p.issues))
	for _, i := range p.issues {
		out = append(out, s.issueView(p, i))
	}
	return out
}

func (p *projectState) issue(iid int) *issueState {
	if iid < 1 || iid > len(p.issues) {
		return nil
	}
	return p.issues[iid-1]
}

func (s *Server) issueView(p *projectState, i *issueState) Issue {
	web := s.baseURL + "/" + p.PathWithNamespace + "/-/issues/" + strconv.Itoa(i.IID)
	api := s.baseURL + apiPrefix + "/projects/" + strconv.Itoa(p.ID)
	v := Issue{
		ID: i.ID, IID: i.IID, ProjectID: p.ID, Title: i.Title, Description: i.Description,
		State: i.State, CreatedAt: i.CreatedAt, UpdatedAt: i.UpdatedAt, ClosedAt: i.ClosedAt,
		Labels: slices.Clone(i.Labels), Assignees: []User{}, Author: *s.userRef(i.AuthorID),
		Type: "ISSUE", IssueType: "issue", DueDate: i.DueDate, Confidential: i.Confidential,
		DiscussionLocked: i.DiscussionLocked, WebURL: web, Severity: "UNKNOWN",
		TaskCompletionStatus: tasks(i.Description),
		Links: IssueLinks{
			Self: api + "/issues/" + strconv.Itoa(i.IID), Notes: api + "/issues/" + strconv.Itoa(i.IID) + "/notes",
			AwardEmoji: api + "/issues/" + strconv.Itoa(i.IID) + "/award_emoji", Project: api,
		},
		References: References{
			Short: "#" + strconv.Itoa(i.IID), Relative: "#" + strconv.Itoa(i.IID),
			Full: p.PathWithNamespace + "#" + strconv.Itoa(i.IID),
		},
	}
	v.HasTasks = v.TaskCompletionStatus.Count > 0
	if i.ClosedBy != 0 {
		v.ClosedBy = s.userRef(i.ClosedBy)
	}
	for _, id := range i.AssigneeIDs {
		if u := s.userRef(id); u != nil {
			v.Assignees = append(v.Assignees, *u)
		}
	}
	if len(v.Assignees) > 0 {
		v.Assignee = &v.Assignees[0]
	}
	for _, n := range i.notes {
		if !n.System {
			v.UserNotesCount++
		}
	}
	for _, m := range p.mrs {
		if slices.Contains(closesIssues(m.Description), i.IID) {
			v.MergeRequestsCount++
		}
	}
	return v
}

func tasks(desc string) TaskCompletion {
	var t TaskCompletion
	for line := range strings.SplitSeq(desc, "\n") {
		l := strings.TrimSpace(line)
		l = strings.TrimLeft(l, "-*+ ")
		switch {
		case strings.HasPrefix(l, "[ ]"):
			t.Count++
		case strings.HasPrefix(l, "[x]"), strings.HasPrefix(l, "[X]"):
			t.Count++
			t.CompletedCount++
		}
	}
	return t
}

// canSeeIssue applies confidentiality: confidential issues are visible to
// Planner and above, the author and assignees.
func (r *request) canSeeIssue(p *projectState, i *issueState) bool {
	return !i.Confidential || r.role(p) >= Planner || i.AuthorID == r.user.ID || slices.Contains(i.AssigneeIDs, r.user.ID)
}

func (s *Server) issueRoutes() {
	s.route("GET /projects/:id/issues", s.listIssues)
	s.route("GET /projects/:id/issues/:issue_iid", func(r *request) {
		if p, i, ok := r.issue(Guest); ok {
			r.json(http.StatusOK, s.issueView(p, i))
		}
	})
	s.route("POST /projects/:id/issues", s.createIssue)
	s.route("PUT /projects/:id/issues/:issue_iid", s.updateIssue)
}

// issue resolves :id and :issue_iid for a caller with at least min.
func (r *request) issue(min AccessLevel) (*projectState, *issueState, bool) {
	p, ok := r.project(min)
	if !ok {
		return nil, nil, false
	}
	iid, ok := r.intPath("issue_iid", "Issue")
	if !ok {
		return nil, nil, false
	}
	i := p.issue(iid)
	if i == nil || !r.canSeeIssue(p, i) {
		r.notFound("Issue")
		return nil, nil, false
	}
	return p, i, true
}

func (s *Server) listIssues(r *request) {
	p, ok := r.project(Guest)
	if !ok {
		return
	}
	q := r.params
	state := cmp.Or(q.get("state"), "all")
	labels, hasLabels := q.list("labels")
	notLabels, _ := q.list("not[labels]")
	iids, _, err := q.ints("iids")
	if err != nil {
		r.invalid("iids")
		return
	}
	search := strings.ToLower(q.get("search"))
	in := cmp.Or(q.get("in"), "title,description")
	confidential, hasConf, err := q.boolean("confidential")
	if err != nil {
		r.invalid("confidential")
		return
	}
	var times [4]*time.Time
	for k, name := range []string{"created_after", "created_before", "updated_after", "updated_before"} {
		if v, ok := q.str(name); ok {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				r.invalid(name)
				return
			}
			times[k] = &t
		}
	}
	assignee := q.get("assignee_id")
	author, hasAuthor, _ := q.integer("author_id")

	var out []*issueState
	for _, i := range p.issues {
		switch {
		case !r.canSeeIssue(p, i):
		case state != "all" && i.State != state:
		case hasLabels && !matchLabels(i.Labels, labels):
		case len(notLabels) > 0 && slices.ContainsFunc(notLabels, func(l string) bool { return slices.Contains(i.Labels, l) }):
		case len(iids) > 0 && !slices.Contains(iids, i.IID):
		case search != "" && !matchSearch(i, search, in):
		case hasConf && i.Confidential != confidential:
		case hasAuthor && i.AuthorID != author:
		case !matchAssignee(i.AssigneeIDs, assignee):
		case times[0] != nil && !i.CreatedAt.After(*times[0]), times[1] != nil && !i.CreatedAt.Before(*times[1]):
		case times[2] != nil && !i.UpdatedAt.After(*times[2]), times[3] != nil && !i.UpdatedAt.Before(*times[3]):
		default:
			out = append(out, i)
		}
	}
	sortIssues(out, q.get("order_by"), q.get("sort"))
	page := paginate(r, out)
	views := make([]Issue, 0, len(page))
	for _, i := range page {
		views = append(views, s.issueView(p, i))
	}
	r.json(http.StatusOK, views)
}

// matchLabels: every wanted label must be present; "None" and "Any" are
// GitLab's special values.
func matchLabels(have, want []string) bool {
	if len(want) == 1 {
		switch strings.ToLower(want[0]) {
		case "none":
			return len(have) == 0
		case "any":
			return len(have) > 0
		}
	}
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

func matchSearch(i *issueState, q, in string) bool {
	if strings.Contains(in, "title") && strings.Contains(i.titleLower.get(i.Title), q) {
		return true
	}
	return strings.Contains(in, "description") && strings.Contains(i.descriptionLower.get(i.Description), q)
}

func matchAssignee(ids []int, want string) bool {
	switch strings.ToLower(want) {
	case "":
		return true
	case "none":
		return len(ids) == 0
	case "any":
		return len(ids) > 0
	}
	n, err := strconv.Atoi(want)
	return err == nil && slices.Contains(ids, n)
}

func sortIssues(is []*issueState, orderBy, sort string) {
	desc := sort != "asc"
	key := func(a, b *issueState) int {
		switch orderBy {
		case "updated_at":
			return a.UpdatedAt.Compare(b.UpdatedAt)
		case "title":
			return strings.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title))
		case "due_date":
			// Issues without a due date sort last in both directions, as in GitLab.
			switch {
			case a.DueDate == nil && b.DueDate == nil:
				return 0
			case a.DueDate == nil:
				if desc {
					return -1
				}
				return 1
			case b.DueDate == nil:
				if desc {
					return 1
				}
				return -1
			}
			return time.Time(*a.DueDate).Compare(time.Time(*b.DueDate))
		default:
			return a.CreatedAt.Compare(b.CreatedAt)
		}
	}
	slices.SortStableFunc(is, func(a, b *issueState) int {
		c := key(a, b)
		if c == 0 {
			c = cmp.Compare(a.ID, b.ID)
		}
		if desc {
			return -c
		}
		return c
	})
}

func (s *Server) createIssue(r *request) {
	p, ok := r.project(Guest)
	if !ok {
		return
	}
	title, _ := r.params.str("title")
	if strings.TrimSpace(title) == "" {
		if r.params.has("title") {
			r.json(http.StatusBadRequest, map[string]any{"message": map[string][]string{"title": {"can't be blank"}}})
			return
		}
		r.missing("title")
		return
	}
	if r.tooLong("title", title, maxTitle) || r.tooLong("description", r.params.get("description"), maxText) {
		return
	}
	now := s.now()
	i := &issueState{
		ID: s.ids.next(&s.ids.issue), IID: len(p.issues) + 1, Title: title,
		Description: r.params.get("description"), State: "opened",
		CreatedAt: now, UpdatedAt: now, AuthorID: r.user.ID, Labels: []string{},
	}
	conf, _, err := r.params.boolean("confidential")
	if err != nil {
		r.invalid("confidential")
		return
	}
	i.Confidential = conf
	// Guests may open issues but GitLab silently drops the fields only
	// planners and above may set.
	if r.role(p) >= Planner {
		if names, ok := r.params.list("labels"); ok {
			i.Labels = s.ensureLabels(p, names)
		}
		ids, err := r.assigneeIDs()
		if err != nil {
			r.invalid("assignee_ids")
			return
		}
		i.AssigneeIDs = ids
		d, _, _, err := r.params.date("due_date")
		if err != nil {
			r.invalid("due_date")
			return
		}
		i.DueDate = d
	}
	p.issues = append(p.issues, i)
	p.LastActivityAt = now
	s.issueEvent(p, i, r.user, "open", nil)
	r.json(http.StatusCreated, s.issueView(p, i))
}

// assigneeIDs reads assignee_ids (or the CE assignee_id), dropping ids of
// unknown users as GitLab does.
func (r *request) assigneeIDs() ([]int, error) {
	ids, ok, err := r.params.ints("assignee_ids")
	if err != nil {
		return nil, err
	}
	if !ok {
		if id, ok, err := r.params.integer("assignee_id"); err != nil {
			return nil, err
		} else if ok && id > 0 {
			ids = []int{id}
		}
	}
	out := []int{}
	for _, id := range ids {
		if _, known := r.s.users[id]; known && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// ensureLabels returns the sorted, de-duplicated label names, creating
// project labels that do not exist yet, as GitLab does. With scoped labels
// on, a later "key::value" label replaces an earlier one with the same key.
func (s *Server) ensureLabels(p *projectState, names []string) []string {
	out := []string{}
	for _, n := range names {
		if n == "" || slices.Contains(out, n) {
			continue
		}
		if key, ok := labelScope(n); ok && s.scopedLabels {
			out = slices.DeleteFunc(out, func(o string) bool { k, ok := labelScope(o); return ok && k == key })
		}
		s.addLabel(p, LabelSpec{Name: n})
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func (s *Server) updateIssue(r *request) {
	p, i, ok := r.issue(Guest)
	if !ok {
		return
	}
	role := r.role(p)
	if role < Planner && i.AuthorID != r.user.ID {
		r.forbidden()
		return
	}
	fields := []string{"title", "description", "confidential", "assignee_id", "assignee_ids", "labels",
		"add_labels", "remove_labels", "state_event", "due_date", "discussion_locked", "updated_at", "milestone_id"}
	if !slices.ContainsFunc(fields, r.params.has) {
		r.json(http.StatusBadRequest, map[string]string{"error": strings.Join(fields, ", ") + " are missing, at least one parameter must be provided"})
		return
	}
	before := *i
	before.Labels = slices.Clone(i.Labels)
	if !editIssueText(r, i, role) || (role >= Planner && !s.editIssuePlanning(r, p, i)) {
		return
	}
	action, ok := s.issueStateEvent(r, p, i)
	if !ok {
		return
	}
	changes := issueChanges(&before, i)
	if len(changes) > 0 || action != "update" {
		i.UpdatedAt = s.now()
		if ts, ok := r.params.str("updated_at"); ok && role >= Owner {
			if t, err := time.Parse(time.RFC3339, ts); err == nil {
				i.UpdatedAt = t.UTC()
			}
		}
		changes["updated_at"] = change{hookTime(before.UpdatedAt), hookTime(i.UpdatedAt)}
		s.systemNotes(p, i, &before, r.user.ID)
		s.issueEvent(p, i, r.user, action, changes)
	}
	r.json(http.StatusOK, s.issueView(p, i))
}

// editIssueText applies the fields an issue's author may change; false
// means the answer (an error) is written.
func editIssueText(r *request, i *issueState, role AccessLevel) bool {
	if t, ok := r.params.str("title"); ok {
		if strings.TrimSpace(t) == "" {
			r.json(http.StatusBadRequest, map[string]any{"message": map[string][]string{"title": {"can't be blank"}}})
			return false
		}
		if r.tooLong("title", t, maxTitle) {
			return false
		}
		i.Title = t
	}
	if d, ok := r.params.str("description"); ok {
		if r.tooLong("description", d, maxText) {
			return false
		}
		i.Description = d
	}
	if c, ok, err := r.params.boolean("confidential"); err != nil {
		r.invalid("confidential")
		return false
	} else if ok {
		i.Confidential = c
	}
	if l, ok, err := r.params.boolean("discussion_locked"); err != nil {
		r.invalid("discussion_locked")
		return false
	} else if ok && role >= Reporter {
		i.DiscussionLocked = &l
	}
	return true
}

// editIssuePlanning applies the fields only a Planner may change: labels,
// assignees, due date. false means the answer (an error) is written.
func (s *Server) editIssuePlanning(r *request, p *projectState, i *issueState) bool {
	if names, ok := r.params.list("labels"); ok {
		i.Labels = s.ensureLabels(p, names)
	}
	if add, ok := r.params.list("add_labels"); ok {
		i.Labels = s.ensureLabels(p, append(slices.Clone(i.Labels), add...))
	}
	if rm, ok := r.params.list("remove_labels"); ok {
		i.Labels = slices.DeleteFunc(i.Labels, func(n string) bool { return slices.Contains(rm, n) })
	}
	if r.params.has("assignee_ids") || r.params.has("assignee_id") {
		ids, err := r.assigneeIDs()
		if err != nil {
			r.invalid("assignee_ids")
			return false
		}
		i.AssigneeIDs = ids
	}
	d, clear, ok, err := r.params.date("due_date")
	if err != nil {
		r.invalid("due_date")
		return false
	}
	if ok {
		i.DueDate = d
		if clear {
			i.DueDate = nil
		}
	}
	return true
}

// issueStateEvent closes or reopens the issue as state_event asks and
// names the hook's action; false means the answer (an error) is written.
func (s *Server) issueStateEvent(r *request, p *projectState, i *issueState) (string, bool) {
	switch ev := r.params.get("state_event"); ev {
	case "":
	case "close":
		if i.State == "opened" {
			s.closeIssue(p, i, r.user.ID)
			return "close", true
		}
	case "reopen":
		if i.State == "closed" {
			s.reopenIssue(i)
			return "reopen", true
		}
	default:
		r.json(http.StatusBadRequest, map[string]string{"error": "state_event does not have a valid value"})
		return "", false
	}
	return "update", true
}

func (s *Server) mustUser(username string) *userState {
	id, ok := s.userIDByName(username)
	if !ok {
		panic("gitlabdouble: unknown user " + username)
	}
	return s.users[id]
}

// labelScope is the key of a scoped label: everything before the last "::".
func labelScope(name string) (string, bool) {
	i := strings.LastIndex(name, "::")
	if i <= 0 {
		return "", false
	}
	return name[:i], true
}
