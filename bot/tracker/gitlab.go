package tracker

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gitlab.com/vigil-vm/vigil/bot/gitlabapi"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/markdown"
	"gitlab.com/vigil-vm/vigil/bot/sla"
)

var reminderMarker = regexp.MustCompile(`<!-- vigil:reminder (\d) -->`)

// create opens a new issue and returns its iid.
func (t *Tracker) create(ctx context.Context, projectID int64, pol sla.Policy, d desired) (int64, error) {
	if err := t.ensureLabels(ctx, projectID, pol, d.Labels); err != nil {
		return 0, err
	}
	opt := &gitlab.CreateIssueOptions{
		Title:        gitlab.Ptr(d.Title),
		Description:  gitlab.Ptr(d.Description),
		Labels:       gitlab.Ptr(gitlab.LabelOptions(d.Labels)),
		Confidential: gitlab.Ptr(pol.Confidential),
	}
	if !d.Due.IsZero() {
		opt.DueDate = gitlab.Ptr(gitlab.ISOTime(d.Due))
	}
	if ids := t.assigneeIDs(ctx, d.Assignees); len(ids) > 0 {
		opt.AssigneeIDs = gitlab.Ptr(ids)
	}
	is, resp, err := t.gl.Issues.CreateIssue(projectID, opt, gitlab.WithContext(ctx))
	if err != nil {
		return 0, gitlabapi.Wrap("create issue", resp, err)
	}
	return is.IID, nil
}

// edit writes the desired state in one update; stateEvent is "", "close" or
// "reopen". Labels a person added that the policy does not own are kept.
func (t *Tracker) edit(ctx context.Context, projectID, iid int64, pol sla.Policy, d desired, stateEvent string) error {
	if err := t.ensureLabels(ctx, projectID, pol, d.Labels); err != nil {
		return err
	}
	cur, resp, err := t.gl.Issues.GetIssue(projectID, iid, gitlab.WithContext(ctx))
	if err != nil {
		return gitlabapi.Wrap("read issue", resp, err)
	}
	owned := pol.Owned()
	labels := append([]string(nil), d.Labels...)
	for _, l := range cur.Labels {
		if !slices.Contains(owned, l) && !slices.Contains(labels, l) {
			labels = append(labels, l)
		}
	}
	opt := &gitlab.UpdateIssueOptions{
		Title:       gitlab.Ptr(d.Title),
		Description: gitlab.Ptr(d.Description),
		Labels:      gitlab.Ptr(gitlab.LabelOptions(labels)),
	}
	// The details go back only into an issue that is confidential again,
	// in the same write.
	reconfide := pol.Confidential && !cur.Confidential
	if reconfide {
		opt.Confidential = gitlab.Ptr(true)
	}
	if !d.Due.IsZero() {
		opt.DueDate = gitlab.Ptr(gitlab.ISOTime(d.Due))
	}
	if stateEvent != "" {
		opt.StateEvent = gitlab.Ptr(stateEvent)
	}
	if ids := t.assigneeIDs(ctx, d.Assignees); len(ids) > 0 {
		opt.AssigneeIDs = gitlab.Ptr(ids)
	}
	if _, resp, err := t.gl.Issues.UpdateIssue(projectID, iid, opt, gitlab.WithContext(ctx)); err != nil {
		return gitlabapi.Wrap("update issue", resp, err)
	}
	if reconfide {
		return t.noteReconfided(ctx, projectID, iid)
	}
	return nil
}

// keepConfidential makes a tracked issue confidential again when a person
// made it public and the project's policy does not allow that.
func (t *Tracker) keepConfidential(ctx context.Context, projectID, iid int64, pol sla.Policy) error {
	if !pol.Confidential {
		return nil
	}
	cur, resp, err := t.gl.Issues.GetIssue(projectID, iid, gitlab.WithContext(ctx))
	if err != nil {
		return gitlabapi.Wrap("read issue", resp, err)
	}
	if cur.Confidential {
		return nil
	}
	opt := &gitlab.UpdateIssueOptions{Confidential: gitlab.Ptr(true)}
	if _, resp, err := t.gl.Issues.UpdateIssue(projectID, iid, opt, gitlab.WithContext(ctx)); err != nil {
		return gitlabapi.Wrap("make issue confidential", resp, err)
	}
	return t.noteReconfided(ctx, projectID, iid)
}

func (t *Tracker) noteReconfided(ctx context.Context, projectID, iid int64) error {
	t.log.Warn("made a tracked issue confidential again", "project_id", projectID, "iid", iid)
	return t.note(ctx, projectID, iid, "This issue was made visible to everyone. The vulnerability policy of this project keeps "+
		"vulnerability issues confidential, so vigil made it confidential again.")
}

// note comments on an issue; the body is the bot's own text with outside
// parts already neutralised, capped to GitLab's limit.
func (t *Tracker) note(ctx context.Context, projectID, iid int64, body string) error {
	body = markdown.Truncate(body, markdown.MaxText)
	_, resp, err := t.gl.Notes.CreateIssueNote(projectID, iid, &gitlab.CreateIssueNoteOptions{Body: gitlab.Ptr(body)}, gitlab.WithContext(ctx))
	if err != nil {
		return gitlabapi.Wrap("comment on issue", resp, err)
	}
	return nil
}

// adopt finds an issue the bot created for a group before it lost its
// ledger: authored by the bot's own user and carrying the group's keyed
// marker. An issue anyone else wrote is never adopted, whatever it says.
func (t *Tracker) adopt(ctx context.Context, projectID int64, group string) (*gitlab.Issue, error) {
	return t.adoptBy(ctx, projectID, group, func(desc string) bool { return t.markers.tracks(desc, group) })
}

// adoptBy is adopt for any marker: search finds candidates, tracks checks
// the keyed marker in a candidate's description.
func (t *Tracker) adoptBy(ctx context.Context, projectID int64, search string, tracks func(description string) bool) (*gitlab.Issue, error) {
	self, err := t.self(ctx)
	if err != nil {
		return nil, err
	}
	opt := &gitlab.ListProjectIssuesOptions{
		Search:      gitlab.Ptr(search),
		In:          gitlab.Ptr("description"),
		AuthorID:    gitlab.Ptr(self),
		ListOptions: gitlab.ListOptions{PerPage: 100},
	}
	var last *gitlab.Response
	for is, err := range gitlab.Scan2(func(p gitlab.PaginationOptionFunc) ([]*gitlab.Issue, *gitlab.Response, error) {
		issues, resp, err := t.gl.Issues.ListProjectIssues(projectID, opt, p, gitlab.WithContext(ctx))
		last = resp
		return issues, resp, err
	}) {
		if err != nil {
			return nil, gitlabapi.Wrap("search issues", last, err)
		}
		if is.Author != nil && is.Author.ID == self && tracks(is.Description) {
			return is, nil
		}
		t.log.Warn("not adopting an issue the bot did not write", "project_id", projectID, "iid", is.IID, "search", search)
	}
	return nil, nil
}

// ensureLabels creates the labels a project lacks, with the policy's colors.
// Labels known to exist are remembered so a steady state costs no call.
func (t *Tracker) ensureLabels(ctx context.Context, projectID int64, pol sla.Policy, labels []string) error {
	known, err := t.ledger.Labels(ctx, projectID)
	if err != nil {
		return err
	}
	var missing []string
	for _, l := range labels {
		if !known[l] {
			missing = append(missing, l)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	existing := map[string]bool{}
	opt := &gitlab.ListLabelsOptions{ListOptions: gitlab.ListOptions{PerPage: 100}, IncludeAncestorGroups: gitlab.Ptr(true)}
	var last *gitlab.Response
	ls, err := gitlab.ScanAndCollect(func(p gitlab.PaginationOptionFunc) ([]*gitlab.Label, *gitlab.Response, error) {
		ls, resp, err := t.gl.Labels.ListLabels(projectID, opt, p, gitlab.WithContext(ctx))
		last = resp
		return ls, resp, err
	})
	if err != nil {
		return gitlabapi.Wrap("list labels", last, err)
	}
	for _, l := range ls {
		existing[l.Name] = true
	}

	var have []string
	for _, name := range missing {
		if !existing[name] {
			_, resp, err := t.gl.Labels.CreateLabel(projectID, &gitlab.CreateLabelOptions{
				Name: gitlab.Ptr(name), Color: gitlab.Ptr(pol.Color(name)),
				Description: gitlab.Ptr("Managed by vigil"),
			}, gitlab.WithContext(ctx))
			if err != nil && (resp == nil || resp.StatusCode != http.StatusConflict) {
				return gitlabapi.Wrap("create label "+name, resp, err)
			}
		}
		have = append(have, name)
	}
	return t.ledger.AddLabels(ctx, projectID, have)
}

func (t *Tracker) assigneeIDs(ctx context.Context, usernames []string) []int64 {
	var ids []int64
	for _, u := range usernames {
		if id, ok := t.userID(ctx, u); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

// ownNotes returns the notes the bot's own user wrote on an issue, oldest
// first: the only notes whose markers it believes.
func (t *Tracker) ownNotes(ctx context.Context, projectID, iid int64) ([]*gitlab.Note, error) {
	self, err := t.self(ctx)
	if err != nil {
		return nil, err
	}
	opt := &gitlab.ListIssueNotesOptions{ListOptions: gitlab.ListOptions{PerPage: 100},
		OrderBy: gitlab.Ptr("created_at"), Sort: gitlab.Ptr("asc")}
	var last *gitlab.Response
	notes, err := gitlab.ScanAndCollect(func(p gitlab.PaginationOptionFunc) ([]*gitlab.Note, *gitlab.Response, error) {
		notes, resp, err := t.gl.Notes.ListIssueNotes(projectID, iid, opt, p, gitlab.WithContext(ctx))
		last = resp
		return notes, resp, err
	})
	if err != nil {
		return nil, gitlabapi.Wrap("read issue notes", last, err)
	}
	var own []*gitlab.Note
	for _, n := range notes {
		if !n.System && n.Author.ID == self {
			own = append(own, n)
		}
	}
	return own, nil
}

// reminded returns the highest SLA stage whose reminder note the issue
// carries, from the hidden marker in the bot's own reminder notes.
func reminded(own []*gitlab.Note) int {
	best := 0
	for _, n := range own {
		if m := reminderMarker.FindStringSubmatch(n.Body); m != nil {
			if v, _ := strconv.Atoi(m[1]); v > best {
				best = v
			}
		}
	}
	return best
}

// closingMarker ends the bot's closing note.
const closingMarker = "<!-- vigil:closing -->"

// noteOnce posts body with its marker unless the bot's latest note already
// carries that marker: the note was posted and the write after it failed.
func (t *Tracker) noteOnce(ctx context.Context, projectID, iid int64, marker, body string) error {
	own, err := t.ownNotes(ctx, projectID, iid)
	if err != nil {
		return err
	}
	if len(own) > 0 && strings.Contains(own[len(own)-1].Body, marker) {
		return nil
	}
	return t.note(ctx, projectID, iid, body+"\n\n"+marker)
}
