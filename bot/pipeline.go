package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/ingest"
	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/mrnote"
	"gitlab.com/vigil-vm/vigil/bot/tracker"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// handlePipelineHook acts on a finished pipeline by its ref: a tracked ref
// ingests its scan jobs (those a Job Hook did not already), a merge request
// pipeline gets its note, any other ref records its scan jobs as not tracked.
func (s *Service) handlePipelineHook(ctx context.Context, body []byte) error {
	var h pipelineHook
	if err := decode(string(gitlab.EventTypePipeline), body, &h); err != nil {
		return fmt.Errorf("%w: %v", errBadPayload, err)
	}
	a := h.ObjectAttributes
	isMR := a.Source == "merge_request_event" && h.MergeRequest != nil
	// A merge request pipeline that failed (a failing gate, say) still gets
	// its note: that is when it matters most. Elsewhere the Job Hooks of a
	// failed pipeline said all there is.
	if a.Status != "success" && !(isMR && a.Status == "failed") {
		return nil
	}
	base := scanJob{ProjectID: h.Project.ID, ProjectPath: h.Project.PathWithNamespace, DefaultBranch: h.Project.DefaultBranch,
		PipelineID: a.ID, Ref: a.Ref}
	jobs, err := s.pipelineJobs(ctx, base)
	if err != nil {
		return s.pipelineUnread(ctx, base, h, err)
	}
	switch {
	case isMR:
		return s.noteMergeRequest(ctx, base, h.MergeRequest.IID, jobs)
	case s.refTracked(a.Ref, h.Project.DefaultBranch):
		return s.ingestJobs(ctx, base, jobs)
	}
	return s.untracked(ctx, base, jobs)
}

// untracked records the scan jobs of a pipeline whose ref changes no issue.
// Failed jobs were recorded by their own Job Hooks.
func (s *Service) untracked(ctx context.Context, base scanJob, jobs []*gitlab.Job) error {
	defer s.locks.lock(base.ProjectID)()
	for _, job := range jobs {
		plan, err := ingest.PlanJob(job, s.now())
		if job.Status == "failed" || !s.wantJob(job.Name) || err != nil || (len(plan.Artifacts) == 0 && !s.namedScanner(job.Name)) {
			continue
		}
		j := base
		j.JobID, j.JobName = job.ID, job.Name
		if err := s.outcome(ctx, j, ingest.Skip(ingest.RefNotTracked,
			"pipelines on %s change no issue; only %s and --track-ref patterns do", base.Ref, base.DefaultBranch)); err != nil {
			return err
		}
	}
	return nil
}

// pipelineUnread records why a pipeline's jobs could not be listed, under
// each job the hook names, so the records meet those of the Job Hooks.
func (s *Service) pipelineUnread(ctx context.Context, base scanJob, h pipelineHook, err error) error {
	defer s.locks.lock(base.ProjectID)() // outcomes are noted once, under the project's lock
	if ingest.ReasonOf(err) == "" || len(h.Builds) == 0 {
		return s.outcome(ctx, base, err)
	}
	for _, b := range h.Builds {
		j := base
		j.JobID, j.JobName = b.ID, b.Name
		if oerr := s.outcome(ctx, j, err); oerr != nil {
			return oerr
		}
	}
	return nil
}

// ingestJobs ingests every scan job of a pipeline. One job's rejected report
// does not keep the others out; a passing failure is retried for all.
func (s *Service) ingestJobs(ctx context.Context, base scanJob, jobs []*gitlab.Job) error {
	var rejected, failed []error
	handled := 0
	for _, job := range jobs {
		if !s.wantJob(job.Name) {
			continue
		}
		j := base
		j.JobID, j.JobName, j.Failed = job.ID, job.Name, job.Status == "failed"
		if s.ordinaryJob(j, job) {
			continue // nothing to ingest: no need for the project's lock
		}
		err := s.ingestJob(ctx, j, job, true)
		var done *alreadyIngested
		switch {
		case errors.As(err, &done):
			if done.complete {
				handled++
			}
		case err == nil:
		case ingest.ReasonOf(err) != "":
			rejected = append(rejected, err)
		default:
			failed = append(failed, err)
		}
	}
	if err := errors.Join(failed...); err != nil {
		return err
	}
	if handled > 0 && base.ProjectPath != "" {
		// A webhook that sends only pipeline events retries this hook after
		// a crash: the jobs are recorded, but their issues may not be yet.
		rctx, unlock := s.lockWork(ctx, base.ProjectID)
		err := s.tracker.Reconcile(rctx, base.ProjectID, base.ProjectPath)
		unlock()
		if err != nil {
			return err
		}
	}
	return errors.Join(rejected...)
}

// pipelineJobs lists a pipeline's finished jobs, successful or failed (a
// failing gate or allow_failure), with their artifacts.
func (s *Service) pipelineJobs(ctx context.Context, j scanJob) ([]*gitlab.Job, error) {
	var status *gitlab.Response
	jobs, err := gitlab.ScanAndCollect(func(p gitlab.PaginationOptionFunc) ([]*gitlab.Job, *gitlab.Response, error) {
		js, resp, err := s.gl.Jobs.ListPipelineJobs(j.ProjectID, j.PipelineID, &gitlab.ListJobsOptions{
			ListOptions: gitlab.ListOptions{PerPage: 100},
			Scope:       &[]gitlab.BuildStateValue{gitlab.Success, gitlab.Failed},
		}, p, gitlab.WithContext(ctx))
		status = resp
		return js, resp, err
	})
	if err != nil {
		if status != nil && (status.StatusCode == http.StatusNotFound || status.StatusCode == http.StatusForbidden) {
			return nil, ingest.Skip(ingest.ProjectNotVisible, "the bot cannot read pipeline %d of project %d", j.PipelineID, j.ProjectID)
		}
		return nil, fmt.Errorf("list jobs of pipeline %d: %w", j.PipelineID, err)
	}
	return jobs, nil
}

// noteMergeRequest compares a merge request pipeline's scans with the
// default branch's and writes the result as the merge request's one note.
// Nothing in the ledger or on issues changes.
func (s *Service) noteMergeRequest(ctx context.Context, base scanJob, iid int64, jobs []*gitlab.Job) error {
	ctx, unlock := s.lockWork(ctx, base.ProjectID)
	defer unlock()
	var results []mrnote.JobResult
	for _, job := range jobs {
		if !s.wantJob(job.Name) {
			continue
		}
		j := base
		j.JobID, j.JobName, j.Failed = job.ID, job.Name, job.Status == "failed"
		reps, err := s.readJob(ctx, j, job)
		switch {
		case errors.Is(err, errNotAScan):
			continue
		case ingest.ReasonOf(err) != "":
			_ = s.outcome(ctx, j, err) // recorded; the note shows the other jobs
			continue
		case err != nil:
			return err
		}
		for _, r := range reps {
			res, err := s.compareJob(ctx, base, job.Name, r)
			if err != nil {
				return err
			}
			results = append(results, res)
		}
	}
	if len(results) == 0 {
		return nil
	}
	body := mrnote.Render(mrnote.Compare(results), base.PipelineID, base.DefaultBranch)
	created, err := s.mrNotes.Upsert(ctx, base.ProjectID, iid, body)
	if err != nil {
		return err
	}
	s.log.Info("merge request note written", "project_id", base.ProjectID, "mr_iid", iid, "pipeline_id", base.PipelineID, "created", created)
	return nil
}

// compareJob pairs one report of a merge request job with what the same job
// last found on the default branch.
func (s *Service) compareJob(ctx context.Context, base scanJob, job string, r ingest.Report) (mrnote.JobResult, error) {
	res := mrnote.JobResult{Job: job, Artifact: r.Artifact}
	for _, f := range r.Report.Findings {
		if f.Suppression == nil || f.Suppression.Kind == findings.SuppressedUnfixed {
			res.Head = append(res.Head, mrnote.FromFinding(job, f))
		}
	}
	var err error
	if res.HasBase, err = s.ledger.ScanRecorded(ctx, base.ProjectID, job, base.DefaultBranch); err != nil {
		return res, err
	}
	open, err := s.ledger.ScopeFindings(ctx, s.ledger.DB(), base.ProjectID, tracker.JobScope(job, base.DefaultBranch, r.Kind))
	if err != nil {
		return res, err
	}
	for _, lf := range open {
		res.Base = append(res.Base, mrnote.FromFinding(job, ledgerFinding(lf)))
	}
	return res, nil
}

// ledgerFinding is the finding a ledger row recorded, or what its columns
// say when the row's data cannot be read.
func ledgerFinding(lf ledger.Finding) findings.Finding {
	var rec struct {
		Finding findings.Finding `json:"finding"`
	}
	if err := json.Unmarshal(lf.Data, &rec); err == nil && rec.Finding.Vulnerability.ID != "" {
		return rec.Finding
	}
	return findings.Finding{
		Vulnerability: findings.Vulnerability{ID: lf.Vulnerability, Severity: lf.Severity},
		Package:       findings.Package{Name: lf.PackageName, Version: lf.PackageVersion, Type: lf.PackageType},
		Fix:           findings.Fix{State: findings.ParseFixState(lf.FixState)},
	}
}
