package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/ingest"
	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/tracker"
)

// worker is the queue's view of the service.
type worker struct{ s *Service }

func (w worker) Sweep(ctx context.Context) error { return w.s.tracker.Sweep(ctx, w.s.locks.lock) }

// HandleDelivery processes a stored delivery once: a delivery already
// processed is skipped; bad input is recorded and not retried; anything
// else fails the job so River retries it with backoff.
func (w worker) HandleDelivery(ctx context.Context, key string) error {
	s := w.s
	d, err := s.ledger.Delivery(ctx, key)
	if ledger.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if d.Status == ledger.DeliveryProcessed {
		return nil
	}
	err = s.process(ctx, d)
	var rejected *ingest.RejectedError
	switch {
	case err == nil:
		s.metrics.jobs.WithLabelValues(d.Event, "processed").Inc()
		return s.ledger.FinishDelivery(ctx, key, ledger.DeliveryProcessed, "", s.now())
	case errors.As(err, &rejected), errors.Is(err, errBadPayload):
		s.metrics.jobs.WithLabelValues(d.Event, "rejected").Inc()
		s.log.Warn("delivery rejected", "event", d.Event, "key", key, "reason", err.Error())
		return s.ledger.FinishDelivery(ctx, key, ledger.DeliveryFailed, err.Error(), s.now())
	default:
		s.metrics.jobs.WithLabelValues(d.Event, "error").Inc()
		s.log.Warn("delivery failed; will retry", "event", d.Event, "key", key, "err", err.Error())
		if ferr := s.ledger.FinishDelivery(ctx, key, ledger.DeliveryQueued, err.Error(), s.now()); ferr != nil {
			s.log.Warn("record delivery failure", "key", key, "err", ferr)
		}
		return err
	}
}

var errBadPayload = errors.New("unusable webhook payload")

func (s *Service) process(ctx context.Context, d ledger.Delivery) error {
	switch d.Event {
	case string(gitlab.EventTypeJob):
		return s.handleJobHook(ctx, d.Body)
	case string(gitlab.EventTypePipeline):
		return s.handlePipelineHook(ctx, d.Body)
	case "Issue Hook", "Confidential Issue Hook":
		var h issueHook
		if err := decode(d.Event, d.Body, &h); err != nil {
			return fmt.Errorf("%w: %v", errBadPayload, err)
		}
		defer s.locks.lock(h.Project.ID)()
		return s.tracker.HandleIssueEvent(ctx, tracker.IssueEvent{
			ProjectID: h.Project.ID, ProjectPath: h.Project.PathWithNamespace, IID: h.ObjectAttributes.IID,
			Action: h.ObjectAttributes.Action, State: h.ObjectAttributes.State, Username: h.User.Username,
		})
	case "Note Hook", "Confidential Note Hook":
		var h noteHook
		if err := decode(d.Event, d.Body, &h); err != nil {
			return fmt.Errorf("%w: %v", errBadPayload, err)
		}
		if h.Issue == nil {
			return nil
		}
		pid := h.ProjectID
		if pid == 0 {
			pid = h.Project.ID
		}
		authorID := h.ObjectAttributes.AuthorID
		if authorID == 0 {
			authorID = h.User.ID
		}
		defer s.locks.lock(pid)()
		return s.tracker.HandleNote(ctx, tracker.NoteEvent{
			ProjectID: pid, ProjectPath: h.Project.PathWithNamespace, IID: h.Issue.IID,
			NoteableType: h.ObjectAttributes.NoteableType, Body: h.ObjectAttributes.Note,
			AuthorID: authorID, Username: h.User.Username,
		})
	}
	return nil // Merge Request Hook and the rest: the patch engine's business
}

// projectPath finds a project's full path: from the payload, the ledger, or
// the API (Job Hooks carry only the id).
func (s *Service) projectPath(ctx context.Context, projectID int64, fromHook string) (string, error) {
	if fromHook != "" {
		return fromHook, nil
	}
	if p, err := s.ledger.ProjectPath(ctx, projectID); err != nil || p != "" {
		return p, err
	}
	p, resp, err := s.gl.Projects.GetProject(projectID, nil, gitlab.WithContext(ctx))
	if err != nil {
		if resp != nil && (resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusForbidden) {
			return "", ingest.Skip(ingest.ProjectNotVisible, "project %d is not visible to the bot's user", projectID)
		}
		return "", fmt.Errorf("read project %d: %w", projectID, err)
	}
	if err := s.ledger.SetProjectPath(ctx, projectID, p.PathWithNamespace); err != nil {
		return "", err
	}
	return p.PathWithNamespace, nil
}
