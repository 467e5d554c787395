package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/gitlabapi"
	"gitlab.com/vigil-vm/vigil/bot/ingest"
	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/tracker"
	"gitlab.com/vigil-vm/vigil/bot/webhook"
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
	// The outcome is recorded even when the job's own time ran out.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	var rejected *ingest.RejectedError
	switch {
	case err == nil:
		s.metrics.jobs.WithLabelValues(d.Event, "processed").Inc()
		return s.ledger.FinishDelivery(rctx, key, ledger.DeliveryProcessed, "", s.now())
	case errors.As(err, &rejected), errors.Is(err, errBadPayload), gitlabapi.Permanent(err):
		s.metrics.jobs.WithLabelValues(d.Event, "rejected").Inc()
		s.log.Warn("delivery rejected", "event", d.Event, "key", key, "reason", err.Error())
		return s.ledger.FinishDelivery(rctx, key, ledger.DeliveryFailed, err.Error(), s.now())
	default:
		s.metrics.jobs.WithLabelValues(d.Event, "error").Inc()
		s.log.Warn("delivery failed; will retry", "event", d.Event, "key", key, "err", err.Error())
		if ferr := s.ledger.FinishDelivery(rctx, key, ledger.DeliveryQueued, err.Error(), s.now()); ferr != nil {
			s.log.Warn("record delivery failure", "key", key, "err", ferr)
		}
		return err
	}
}

// recordTimeout bounds the write of a delivery's outcome.
const recordTimeout = 10 * time.Second

var errBadPayload = errors.New("unusable webhook payload")

func (s *Service) process(ctx context.Context, d webhook.Delivery) error {
	if err := s.confirmProject(ctx, d); err != nil {
		return s.unconfirmed(ctx, d, err)
	}
	switch d.Event {
	case string(gitlab.EventTypeJob):
		return s.handleJobHook(ctx, d.Body)
	case string(gitlab.EventTypePipeline):
		return s.handlePipelineHook(ctx, d.Body)
	case string(gitlab.EventTypeIssue), string(gitlab.EventConfidentialIssue):
		var h issueHook
		if err := decode(d.Event, d.Body, &h); err != nil {
			return fmt.Errorf("%w: %v", errBadPayload, err)
		}
		path, err := s.projectPath(ctx, h.Project.ID, h.Project.PathWithNamespace)
		if err != nil {
			return err
		}
		ctx, unlock := s.lockWork(ctx, h.Project.ID)
		defer unlock()
		conf := h.ObjectAttributes.Confidential
		return s.tracker.HandleIssueEvent(ctx, tracker.IssueEvent{
			ProjectID: h.Project.ID, ProjectPath: path, IID: h.ObjectAttributes.IID,
			Action: h.ObjectAttributes.Action, State: h.ObjectAttributes.State, Public: conf != nil && !*conf,
		})
	case string(gitlab.EventTypeNote), string(gitlab.EventConfidentialNote):
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
		path, err := s.projectPath(ctx, pid, h.Project.PathWithNamespace)
		if err != nil {
			return err
		}
		ctx, unlock := s.lockWork(ctx, pid)
		defer unlock()
		return s.tracker.HandleNote(ctx, tracker.NoteEvent{
			ProjectID: pid, ProjectPath: path, IID: h.Issue.IID,
			NoteID: h.ObjectAttributes.ID, NoteableType: h.ObjectAttributes.NoteableType,
		})
	case string(gitlab.EventTypeMergeRequest):
		return s.handleMergeRequestHook(ctx, d.Body)
	}
	return nil // the rest: the patch engine's business
}

// confirmProject checks that the project a payload names, by id and path,
// is one project in GitLab: the receiver let a scoped secret in for the
// path, the bot acts on the id. The answer is kept in the ledger, so this
// costs one API call per project.
func (s *Service) confirmProject(ctx context.Context, d webhook.Delivery) error {
	var ref struct {
		ProjectID int64       `json:"project_id"`
		Project   hookProject `json:"project"`
	}
	if err := decode(d.Event, d.Body, &ref); err != nil {
		return fmt.Errorf("%w: %v", errBadPayload, err)
	}
	id := cmp.Or(ref.Project.ID, ref.ProjectID)
	if ref.Project.PathWithNamespace == "" || id == 0 {
		return nil // nothing named; whatever the event acts on is read from GitLab
	}
	_, err := s.projectPath(ctx, id, ref.Project.PathWithNamespace)
	return err
}

// projectPath finds a project's full path, from the ledger or the API,
// and checks it against the path a payload names: a payload naming one
// project's path with another's id is refused, so a secret scoped to a path
// cannot act on another project.
func (s *Service) projectPath(ctx context.Context, projectID int64, fromHook string) (string, error) {
	known, err := s.ledger.ProjectPath(ctx, projectID)
	if err != nil {
		return "", err
	}
	if known == "" || (fromHook != "" && fromHook != known) {
		if known, err = s.apiProjectPath(ctx, projectID); err != nil { // a rename, or a lie
			return "", err
		}
	}
	if fromHook != "" && fromHook != known {
		return "", fmt.Errorf("%w: project %d is %s in GitLab, not %q", errBadPayload, projectID, known, fromHook)
	}
	return known, nil
}

func (s *Service) apiProjectPath(ctx context.Context, projectID int64) (string, error) {
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
