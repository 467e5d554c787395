package bot

import (
	"context"
	"fmt"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/gitlabapi"
	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/patch/mr"
)

// mergeRequestHook is what the bot reads of a Merge Request Hook: which
// merge request, and what happened to it.
type mergeRequestHook struct {
	Project          hookProject `json:"project"`
	ObjectAttributes struct {
		IID          int64  `json:"iid"`
		Action       string `json:"action"`
		SourceBranch string `json:"source_branch"`
	} `json:"object_attributes"`
}

// mrEventID names the one event of a merge request's step, so that a
// redelivered or repeated hook records it once.
func mrEventID(projectID, iid int64, kind ledger.EventKind) string {
	return fmt.Sprintf("mr:%d:%d:%s", projectID, iid, kind)
}

// recordPatchOutcomes adds the merge requests the patch engine opened or
// closed to the history.
func (s *Service) recordPatchOutcomes(ctx context.Context, projectID int64, path string, res *mr.Result) error {
	now := s.now().UTC()
	var evs []ledger.Event
	for _, o := range res.Outcomes {
		if o.Action != mr.Opened || o.MR == 0 {
			continue
		}
		e := ledger.Event{ID: mrEventID(projectID, o.MR, ledger.EventPatchOpened), At: now, Kind: ledger.EventPatchOpened,
			ProjectID: projectID, ProjectPath: path, Severity: o.Severity, MR: o.MR, Actor: ledger.ActorBot}
		if o.AutoMerge {
			e.Detail = "auto-merge"
		}
		evs = append(evs, e)
	}
	for _, iid := range res.Closed {
		evs = append(evs, ledger.Event{ID: mrEventID(projectID, iid, ledger.EventPatchClosed), At: now,
			Kind: ledger.EventPatchClosed, ProjectID: projectID, ProjectPath: path, MR: iid, Actor: ledger.ActorBot})
	}
	if len(evs) == 0 {
		return nil
	}
	return s.ledger.RecordEvents(ctx, evs...)
}

// handleMergeRequestHook records a vigil merge request merged or closed by
// a person. The hook is a hint: the merge request must be one the history
// says vigil opened, and GitLab must confirm its state.
func (s *Service) handleMergeRequestHook(ctx context.Context, body []byte) error {
	var h mergeRequestHook
	if err := decode(string(gitlab.EventTypeMergeRequest), body, &h); err != nil {
		return fmt.Errorf("%w: %v", errBadPayload, err)
	}
	a := h.ObjectAttributes
	if (a.Action != "merge" && a.Action != "close") || !strings.HasPrefix(a.SourceBranch, "vigil/") {
		return nil
	}
	known, err := s.ledger.HasEvent(ctx, mrEventID(h.Project.ID, a.IID, ledger.EventPatchOpened))
	if err != nil || !known {
		return err
	}
	m, resp, err := s.gl.MergeRequests.GetMergeRequest(h.Project.ID, a.IID, nil, gitlab.WithContext(ctx))
	if err != nil {
		return gitlabapi.Wrap("read merge request", resp, err)
	}
	path, err := s.projectPath(ctx, h.Project.ID, h.Project.PathWithNamespace)
	if err != nil {
		return err
	}
	e := ledger.Event{ProjectID: h.Project.ID, ProjectPath: path, MR: a.IID}
	switch {
	case m.State == "merged" && m.MergedAt != nil:
		e.Kind, e.At = ledger.EventPatchMerged, m.MergedAt.UTC()
		if m.MergedBy != nil {
			e.Actor = m.MergedBy.Username
		}
	case m.State == "closed" && m.ClosedAt != nil:
		e.Kind, e.At = ledger.EventPatchClosed, m.ClosedAt.UTC()
		if m.ClosedBy != nil {
			e.Actor = m.ClosedBy.Username
		}
	default:
		return nil // GitLab does not confirm the hook
	}
	e.ID = mrEventID(h.Project.ID, a.IID, e.Kind)
	return s.ledger.RecordEvents(ctx, e)
}
