package gitlabdouble

import (
	"strconv"
	"strings"
	"time"
)

// Webhook payloads, shaped as GitLab's webhook events documentation shows
// them. Timestamps in hook bodies use GitLab's "2006-01-02 15:04:05 UTC".

const hookTimeLayout = "2006-01-02 15:04:05 UTC"

func hookTime(t time.Time) string { return t.UTC().Format(hookTimeLayout) }

func hookTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return hookTime(*t)
}

// visibilityLevel is the numeric visibility hooks use.
func visibilityLevel(v string) int {
	switch v {
	case "public":
		return 20
	case "internal":
		return 10
	}
	return 0
}

func (s *Server) hookProject(p *projectState) map[string]any {
	v := p.view(s.baseURL)
	return map[string]any{
		"id": p.ID, "name": p.Name, "description": p.Description, "web_url": v.WebURL, "avatar_url": nil,
		"git_ssh_url": v.SSHURLToRepo, "git_http_url": v.HTTPURLToRepo, "namespace": p.Namespace.Name,
		"visibility_level": visibilityLevel(p.Visibility), "path_with_namespace": p.PathWithNamespace,
		"default_branch": p.DefaultBranch, "ci_config_path": nil, "homepage": v.WebURL,
		"url": v.SSHURLToRepo, "ssh_url": v.SSHURLToRepo, "http_url": v.HTTPURLToRepo,
	}
}

func (s *Server) hookRepository(p *projectState) map[string]any {
	v := p.view(s.baseURL)
	return map[string]any{
		"name": p.Name, "url": v.SSHURLToRepo, "description": p.Description, "homepage": v.WebURL,
		"git_http_url": v.HTTPURLToRepo, "git_ssh_url": v.SSHURLToRepo, "visibility_level": visibilityLevel(p.Visibility),
	}
}

func (s *Server) hookUser(u *userState) map[string]any {
	b := s.basic(u)
	return map[string]any{"id": u.ID, "name": u.Name, "username": u.Username, "avatar_url": b.AvatarURL, "email": u.email}
}

func (s *Server) hookLabels(p *projectState, names []string) []map[string]any {
	out := []map[string]any{}
	for _, n := range names {
		l := p.label(n)
		if l == nil {
			continue
		}
		out = append(out, map[string]any{
			"id": l.ID, "title": l.Name, "color": l.Color, "project_id": p.ID,
			"created_at": hookTime(p.CreatedAt), "updated_at": hookTime(p.CreatedAt), "template": false,
			"description": l.Description, "type": "ProjectLabel", "group_id": nil,
		})
	}
	return out
}

func (s *Server) issueHookAttrs(p *projectState, i *issueState) map[string]any {
	var assignee any
	if len(i.AssigneeIDs) > 0 {
		assignee = i.AssigneeIDs[0]
	}
	return map[string]any{
		"id": i.ID, "iid": i.IID, "title": i.Title, "description": i.Description, "state": i.State,
		"state_id": stateID(i.State), "author_id": i.AuthorID, "project_id": p.ID,
		"assignee_ids": nonNil(i.AssigneeIDs), "assignee_id": assignee,
		"created_at": hookTime(i.CreatedAt), "updated_at": hookTime(i.UpdatedAt),
		"closed_at": hookTimePtr(i.ClosedAt), "due_date": dateString(i.DueDate),
		"confidential": i.Confidential, "discussion_locked": i.DiscussionLocked,
		"milestone_id": nil, "moved_to_id": nil, "duplicated_to_id": nil, "relative_position": nil,
		"last_edited_at": nil, "last_edited_by_id": nil, "updated_by_id": nil,
		"time_estimate": 0, "total_time_spent": 0, "time_change": 0,
		"human_time_estimate": nil, "human_total_time_spent": nil, "human_time_change": nil,
		"weight": nil, "health_status": nil, "type": "Issue", "severity": "unknown",
		"url":    s.baseURL + "/" + p.PathWithNamespace + "/-/issues/" + strconv.Itoa(i.IID),
		"labels": s.hookLabels(p, i.Labels),
	}
}

// issueEvent sends an Issue Hook (or Confidential Issue Hook) for i. The caller holds s.mu.
func (s *Server) issueEvent(p *projectState, i *issueState, actor *userState, action string, changes map[string]change) {
	event, kind := "Issue Hook", "issue"
	if i.Confidential {
		event, kind = "Confidential Issue Hook", "confidential_issue"
	}
	attrs := s.issueHookAttrs(p, i)
	attrs["action"] = action
	if changes == nil {
		changes = map[string]change{}
	}
	if lc, ok := changes["labels"]; ok {
		changes["labels"] = change{s.hookLabels(p, lc.Previous.([]string)), s.hookLabels(p, lc.Current.([]string))}
	}
	payload := map[string]any{
		"object_kind": "issue", "event_type": kind, "user": s.hookUser(actor),
		"project": s.hookProject(p), "object_attributes": attrs, "repository": s.hookRepository(p),
		"labels": attrs["labels"], "changes": changes,
	}
	var assignees []map[string]any
	for _, id := range i.AssigneeIDs {
		if u, ok := s.users[id]; ok {
			assignees = append(assignees, s.hookUser(u))
		}
	}
	if len(assignees) > 0 {
		payload["assignees"] = assignees
	}
	s.dispatch(p, event, payload)
}

// noteEvent sends a Note Hook (or Confidential Note Hook) for a new comment. The caller holds s.mu.
func (s *Server) noteEvent(p *projectState, on noteable, n *noteState, actor *userState) {
	event, kind := "Note Hook", "note"
	attrs := map[string]any{
		"id": n.ID, "note": n.Body, "noteable_type": on.kind, "author_id": n.AuthorID,
		"created_at": hookTime(n.CreatedAt), "updated_at": hookTime(n.UpdatedAt), "project_id": p.ID,
		"attachment": nil, "line_code": nil, "commit_id": "", "noteable_id": on.id, "system": false,
		"st_diff": nil, "description": n.Body, "internal": n.Internal, "action": "create",
	}
	payload := map[string]any{
		"object_kind": "note", "user": s.hookUser(actor), "project_id": p.ID,
		"project": s.hookProject(p), "repository": s.hookRepository(p), "object_attributes": attrs,
	}
	confidential := n.Internal
	switch on.kind {
	case "Issue":
		i := p.issue(on.iid)
		confidential = confidential || i.Confidential
		ia := s.issueHookAttrs(p, i)
		attrs["url"] = ia["url"].(string) + "#note_" + strconv.Itoa(n.ID)
		payload["issue"] = ia
	case "MergeRequest":
		m := p.mr(on.iid)
		ma := s.mrHookAttrs(p, m)
		attrs["url"] = ma["url"].(string) + "#note_" + strconv.Itoa(n.ID)
		payload["merge_request"] = ma
	}
	if confidential {
		event, kind = "Confidential Note Hook", "confidential_note"
	}
	payload["event_type"] = kind
	s.dispatch(p, event, payload)
}

func firstLine(msg string) string {
	line, _, _ := strings.Cut(msg, "\n")
	return line
}

func (s *Server) mrHookAttrs(p *projectState, m *mrState) map[string]any {
	v := s.mrView(p, m, false)
	sha := v.SHA
	last := map[string]any{"id": sha, "message": "", "title": "", "timestamp": nil, "url": s.baseURL + "/" + p.PathWithNamespace + "/-/commit/" + sha, "author": map[string]any{"name": "", "email": ""}}
	if c := p.repo.commits[sha]; c != nil {
		last["message"], last["title"], last["timestamp"] = c.Message, c.Title, c.CreatedAt.Format(time.RFC3339)
		last["author"] = map[string]any{"name": c.AuthorName, "email": c.AuthorEmail}
	}
	var mergeCommit any
	if m.MergeCommitSHA != "" {
		mergeCommit = m.MergeCommitSHA
	}
	var assignee any
	if len(m.AssigneeIDs) > 0 {
		assignee = m.AssigneeIDs[0]
	}
	return map[string]any{
		"id": m.ID, "iid": m.IID, "title": m.Title, "description": m.Description, "state": m.State,
		"state_id": stateID(m.State), "source_branch": m.SourceBranch, "target_branch": m.TargetBranch,
		"source_project_id": p.ID, "target_project_id": p.ID, "author_id": m.AuthorID,
		"assignee_ids": nonNil(m.AssigneeIDs), "assignee_id": assignee, "reviewer_ids": []int{},
		"created_at": hookTime(m.CreatedAt), "updated_at": hookTime(m.UpdatedAt),
		"merge_status": v.MergeStatus, "detailed_merge_status": v.DetailedMergeStatus,
		"merge_commit_sha": mergeCommit, "merge_when_pipeline_succeeds": m.autoMerge,
		"draft": v.Draft, "work_in_progress": v.Draft, "url": v.WebURL,
		"source": s.hookProject(p), "target": s.hookProject(p), "last_commit": last,
		"labels": s.hookLabels(p, m.Labels), "blocking_discussions_resolved": true,
		"head_pipeline_id": nil, "milestone_id": nil, "merge_user_id": nil, "merge_error": nil,
	}
}

// mrEvent sends a Merge Request Hook. The caller holds s.mu.
func (s *Server) mrEvent(p *projectState, m *mrState, actor *userState, action string, changes map[string]change) {
	attrs := s.mrHookAttrs(p, m)
	attrs["action"] = action
	if changes == nil {
		changes = map[string]change{}
	}
	if lc, ok := changes["labels"]; ok {
		changes["labels"] = change{s.hookLabels(p, lc.Previous.([]string)), s.hookLabels(p, lc.Current.([]string))}
	}
	payload := map[string]any{
		"object_kind": "merge_request", "event_type": "merge_request", "user": s.hookUser(actor),
		"project": s.hookProject(p), "object_attributes": attrs, "labels": attrs["labels"],
		"changes": changes, "repository": s.hookRepository(p),
	}
	var assignees []map[string]any
	for _, id := range m.AssigneeIDs {
		if u, ok := s.users[id]; ok {
			assignees = append(assignees, s.hookUser(u))
		}
	}
	if len(assignees) > 0 {
		payload["assignees"] = assignees
	}
	s.dispatch(p, "Merge Request Hook", payload)
}
