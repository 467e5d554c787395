package tracker

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go"

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
		return 0, apiError("create issue", resp, err)
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
		return apiError("read issue", resp, err)
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
		return apiError("update issue", resp, err)
	}
	return nil
}

func (t *Tracker) note(ctx context.Context, projectID, iid int64, body string) error {
	_, resp, err := t.gl.Notes.CreateIssueNote(projectID, iid, &gitlab.CreateIssueNoteOptions{Body: gitlab.Ptr(body)}, gitlab.WithContext(ctx))
	if err != nil {
		return apiError("comment on issue", resp, err)
	}
	return nil
}

// adopt finds an issue the bot created for a group before it lost its
// ledger, by the hidden marker in the description.
func (t *Tracker) adopt(ctx context.Context, projectID int64, group string) (*gitlab.Issue, error) {
	marker := Marker(group)
	opt := &gitlab.ListProjectIssuesOptions{
		Search:      gitlab.Ptr(group),
		In:          gitlab.Ptr("description"),
		ListOptions: gitlab.ListOptions{PerPage: 100},
	}
	for page := int64(1); ; page++ {
		opt.Page = page
		issues, resp, err := t.gl.Issues.ListProjectIssues(projectID, opt, gitlab.WithContext(ctx))
		if err != nil {
			return nil, apiError("search issues", resp, err)
		}
		for _, is := range issues {
			if strings.Contains(is.Description, marker) {
				return is, nil
			}
		}
		if resp == nil || resp.NextPage == 0 || len(issues) == 0 {
			return nil, nil
		}
	}
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
	for page := int64(1); ; page++ {
		opt.Page = page
		ls, resp, err := t.gl.Labels.ListLabels(projectID, opt, gitlab.WithContext(ctx))
		if err != nil {
			return apiError("list labels", resp, err)
		}
		for _, l := range ls {
			existing[l.Name] = true
		}
		if resp == nil || resp.NextPage == 0 || len(ls) == 0 {
			break
		}
	}
	var have []string
	for _, name := range missing {
		if !existing[name] {
			_, resp, err := t.gl.Labels.CreateLabel(projectID, &gitlab.CreateLabelOptions{
				Name: gitlab.Ptr(name), Color: gitlab.Ptr(pol.Color(name)),
				Description: gitlab.Ptr("Managed by vigil"),
			}, gitlab.WithContext(ctx))
			if err != nil && (resp == nil || resp.StatusCode != http.StatusConflict) {
				return apiError("create label "+name, resp, err)
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

// reminded returns the highest SLA stage whose reminder note the issue
// carries, from the hidden marker in the bot's reminder notes.
func (t *Tracker) reminded(ctx context.Context, projectID, iid int64) (int, error) {
	best := 0
	opt := &gitlab.ListIssueNotesOptions{ListOptions: gitlab.ListOptions{PerPage: 100}}
	for page := int64(1); ; page++ {
		opt.Page = page
		notes, resp, err := t.gl.Notes.ListIssueNotes(projectID, iid, opt, gitlab.WithContext(ctx))
		if err != nil {
			return 0, apiError("read issue notes", resp, err)
		}
		for _, n := range notes {
			if m := reminderMarker.FindStringSubmatch(n.Body); m != nil {
				if v, _ := strconv.Atoi(m[1]); v > best {
					best = v
				}
			}
		}
		if resp == nil || resp.NextPage == 0 || len(notes) == 0 {
			return best, nil
		}
	}
}
