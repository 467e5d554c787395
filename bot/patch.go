package bot

import (
	"context"
	"fmt"
	"log/slog"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/patch/dockerfile"
	"gitlab.com/vigil-vm/vigil/bot/patch/ecosystems"
	"gitlab.com/vigil-vm/vigil/bot/patch/mr"
	"gitlab.com/vigil-vm/vigil/bot/tracker"
)

// newPatchEngine is the production wiring: every ecosystem's patcher,
// the engine alone turning the disabled ones off, base-image tags listed
// through the scanner's registry access, and the ledger remembering what
// was declined and said.
func newPatchEngine(gl *gitlab.Client, mem mr.Memory, mro mr.Options, o options, log *slog.Logger) *mr.Engine {
	ps := ecosystems.All(ecosystems.Options{Logger: log,
		Dockerfile: dockerfile.Options{Verifier: o.verifier, Registry: o.registry}})
	if o.patch.Retry != (mr.Retry{}) {
		mro.Retry = o.patch.Retry
	}
	return mr.New(gl, ps, mem, mro, log)
}

// patch keeps the project's fix merge requests in step with a scan that was
// just reconciled. A patcher that cannot fix a manifest is an outcome, not
// an error; a GitLab write that still fails after the engine's retries
// fails the delivery, so the queue runs it again (the issues are already
// true, and the engine is idempotent: a branch left without its merge
// request gets it then).
func (s *Service) patch(ctx context.Context, projectID int64, path string, scan tracker.Scan) error {
	if s.patcher == nil {
		return nil
	}
	// A job's scan arrives twice, by its Job Hook and its Pipeline Hook;
	// the second reconciliation would find nothing new.
	if last, ok := s.patched.Load(projectID); ok && last == scan.JobID {
		return nil
	}
	active, issues, err := s.tracker.Patchable(ctx, scan)
	if err != nil {
		return err
	}
	res, err := s.patcher.Reconcile(ctx, mr.Request{Project: mr.Project{ID: projectID, Path: path}, Findings: active, Issues: issues})
	if err != nil {
		s.log.Warn("patch merge requests", "project", path, "err", err.Error())
		s.metrics.patches.WithLabelValues("error").Inc()
		return fmt.Errorf("patch merge requests of %s: %w", path, err)
	}
	if err := s.recordPatchOutcomes(ctx, projectID, path, res); err != nil {
		return err
	}
	s.patched.Store(projectID, scan.JobID)
	for _, o := range res.Outcomes {
		s.metrics.patches.WithLabelValues(string(o.Action)).Inc()
		if o.Action != mr.Unchanged {
			s.log.Info("patch merge request", "project", path, "package", o.Package, "to", o.To, "action", string(o.Action), "mr", o.MR)
		}
	}
	return nil
}
