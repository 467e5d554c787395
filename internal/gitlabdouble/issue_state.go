package gitlabdouble

import (
	"fmt"
	"slices"
)

// closeIssue and reopenIssue set what GitLab sets on a state change.
func (s *Server) closeIssue(p *projectState, i *issueState, by int) {
	now := s.now()
	i.State, i.ClosedAt, i.ClosedBy, i.UpdatedAt = "closed", &now, by, now
	p.LastActivityAt = now
}

func (s *Server) reopenIssue(i *issueState) {
	i.State, i.ClosedAt, i.ClosedBy, i.UpdatedAt = "opened", nil, 0, s.now()
}

// change is one entry of a webhook's "changes" object.
type change struct {
	Previous any `json:"previous"`
	Current  any `json:"current"`
}

func issueChanges(a, b *issueState) map[string]change {
	c := map[string]change{}
	if a.Title != b.Title {
		c["title"] = change{a.Title, b.Title}
	}
	if a.Description != b.Description {
		c["description"] = change{a.Description, b.Description}
	}
	if a.Confidential != b.Confidential {
		c["confidential"] = change{a.Confidential, b.Confidential}
	}
	if !slices.Equal(a.Labels, b.Labels) {
		c["labels"] = change{a.Labels, b.Labels}
	}
	if !slices.Equal(a.AssigneeIDs, b.AssigneeIDs) {
		c["assignees"] = change{a.AssigneeIDs, b.AssigneeIDs}
	}
	if fmt.Sprint(a.DueDate) != fmt.Sprint(b.DueDate) {
		c["due_date"] = change{dateString(a.DueDate), dateString(b.DueDate)}
	}
	if a.State != b.State {
		c["state_id"] = change{stateID(a.State), stateID(b.State)}
		c["closed_at"] = change{hookTimePtr(a.ClosedAt), hookTimePtr(b.ClosedAt)}
	}
	if fmt.Sprint(a.DiscussionLocked) != fmt.Sprint(b.DiscussionLocked) {
		c["discussion_locked"] = change{a.DiscussionLocked, b.DiscussionLocked}
	}
	return c
}

func dateString(d *Date) any {
	if d == nil {
		return nil
	}
	return d.String()
}

func stateID(state string) int {
	switch state {
	case "closed":
		return 2
	case "merged":
		return 3
	case "locked":
		return 4
	}
	return 1
}

// CloseIssueAs closes an issue as the named user would in the UI, with
// the Issue Hook that follows.
func (s *Server) CloseIssueAs(username string, projectID, iid int) {
	s.setIssueStateAs(username, projectID, iid, "closed")
}

// ReopenIssueAs reopens an issue as the named user would in the UI.
func (s *Server) ReopenIssueAs(username string, projectID, iid int) {
	s.setIssueStateAs(username, projectID, iid, "opened")
}

func (s *Server) setIssueStateAs(username string, projectID, iid int, state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustProject(projectID)
	i := p.issue(iid)
	if i == nil {
		panic(fmt.Sprintf("gitlabdouble: no issue #%d in project %d", iid, projectID))
	}
	u := s.mustUser(username)
	if i.State == state {
		return
	}
	before := *i
	action := "reopen"
	if state == "closed" {
		s.closeIssue(p, i, u.ID)
		action = "close"
	} else {
		s.reopenIssue(i)
	}
	changes := issueChanges(&before, i)
	changes["updated_at"] = change{hookTime(before.UpdatedAt), hookTime(i.UpdatedAt)}
	s.systemNotes(p, i, &before, u.ID)
	s.issueEvent(p, i, u, action, changes)
}
