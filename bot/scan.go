package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/budget"
	"gitlab.com/vigil-vm/vigil/bot/ingest"
	"gitlab.com/vigil-vm/vigil/bot/tracker"
	"gitlab.com/vigil-vm/vigil/bot/webhook"
)

// handleJobHook ingests a finished job of a tracked ref. Jobs of other refs
// wait for their pipeline's hook, which knows whether the pipeline belongs to
// a merge request.
func (s *Service) handleJobHook(ctx context.Context, body []byte) error {
	var h jobHook
	if err := decode(string(gitlab.EventTypeJob), body, &h); err != nil {
		return fmt.Errorf("%w: %v", errBadPayload, err)
	}
	j := scanJob{ProjectID: h.ProjectID, ProjectPath: h.Project.PathWithNamespace, DefaultBranch: h.Project.DefaultBranch,
		PipelineID: h.PipelineID, JobID: h.BuildID, JobName: h.BuildName, Ref: h.Ref}
	if !s.wantJob(h.BuildName) {
		return nil
	}
	switch h.BuildStatus {
	case "success":
	case "failed":
		j.Failed = true
	default:
		return nil // created, running, canceled…: not finished, or not a result
	}
	if !s.refTracked(h.Ref, h.Project.DefaultBranch) {
		if j.Failed && ingest.LooksLikeScanner(h.BuildName) {
			defer s.locks.lock(j.ProjectID)()
			return s.outcome(ctx, j, jobFailed(j))
		}
		s.log.Debug("job of an untracked ref; its pipeline's hook decides", "project_id", h.ProjectID, "job_id", h.BuildID, "ref", h.Ref)
		return nil
	}
	// A job already carried through stays so: no need to read it again.
	if err := s.checkIngested(ctx, j, false); err != nil {
		if errors.As(err, new(*alreadyIngested)) {
			return nil
		}
		return err
	}
	// The job is read before the project's lock is taken: GitLab's record of
	// a finished job does not change, and most jobs of a pipeline are no
	// scan, so their deliveries need not wait for the lock, nor hold it and
	// a worker while GitLab answers. A job that cannot be read here is read
	// again under the lock, where its error is recorded.
	job, err := s.getJob(ctx, j)
	if err != nil {
		job = nil
	} else if s.ordinaryJob(j, job) {
		return nil
	}
	if err := s.ingestJob(ctx, j, job, false); !errors.As(err, new(*alreadyIngested)) {
		return err
	}
	return nil
}

// ordinaryJob reports whether job is a build or test job with nothing to
// ingest and no scan promised by its name (readJob's errNotAScan).
func (s *Service) ordinaryJob(j scanJob, job *gitlab.Job) bool {
	_, err := ingest.PlanJob(job, s.now())
	return ingest.ReasonOf(err) == ingest.NotScanJob && !s.namedScanner(j.JobName)
}

// unconfirmed handles a delivery whose project the bot could not confirm.
// A project the bot cannot see is an outcome of the scan jobs the payload
// names, recorded like any other; for other events it is a payload to drop.
func (s *Service) unconfirmed(ctx context.Context, d webhook.Delivery, err error) error {
	if ingest.ReasonOf(err) != ingest.ProjectNotVisible {
		return err
	}
	switch d.Event {
	case string(gitlab.EventTypeJob):
		var h jobHook
		if derr := decode(d.Event, d.Body, &h); derr == nil {
			defer s.locks.lock(h.ProjectID)()
			return s.outcome(ctx, scanJob{ProjectID: h.ProjectID, ProjectPath: h.Project.PathWithNamespace,
				PipelineID: h.PipelineID, JobID: h.BuildID, JobName: h.BuildName, Ref: h.Ref}, err)
		}
	case string(gitlab.EventTypePipeline):
		var h pipelineHook
		if derr := decode(d.Event, d.Body, &h); derr == nil {
			return s.pipelineUnread(ctx, scanJob{ProjectID: h.Project.ID, ProjectPath: h.Project.PathWithNamespace,
				PipelineID: h.ObjectAttributes.ID, Ref: h.ObjectAttributes.Ref}, h, err)
		}
	}
	return fmt.Errorf("%w: %v", errBadPayload, err)
}

// perFinding is the time a job's budget grows by for each finding its
// reports hold: a ledger read and two writes, with room for a PostgreSQL
// shared with other replicas (10 ms was short of it on a loaded machine).
const perFinding = 50 * time.Millisecond

// ingestJob reads a finished job's reports and reconciles the project; job
// is read from the API when nil. fromPipeline tells a Pipeline Hook's ingest
// from a Job Hook's (checkIngested). A job another delivery already
// ingested is an *alreadyIngested.
func (s *Service) ingestJob(ctx context.Context, j scanJob, job *gitlab.Job, fromPipeline bool) error {
	ctx, unlock := s.lockWork(ctx, j.ProjectID)
	defer unlock()
	if err := s.checkIngested(ctx, j, fromPipeline); err != nil {
		return err
	}
	path, err := s.projectPath(ctx, j.ProjectID, j.ProjectPath)
	if err != nil {
		return s.outcome(ctx, j, err)
	}
	j.ProjectPath = path
	reps, err := s.readJob(ctx, j, job)
	if errors.Is(err, errNotAScan) {
		return nil
	}
	if err != nil {
		return s.outcome(ctx, j, err)
	}
	scan := tracker.Scan{ProjectID: j.ProjectID, ProjectPath: path, PipelineID: j.PipelineID, JobID: j.JobID,
		JobName: j.JobName, Ref: j.Ref}
	var found int
	for _, r := range reps {
		found += len(r.Report.Findings)
	}
	// Recording is work the reports just brought: a large one must not spend
	// the budget meant for a stuck job before Reconcile grows it per group.
	budget.Extend(ctx, time.Duration(found)*perFinding)
	for _, r := range reps {
		// The project is a dependency scan's asset: the ledger and the patch
		// engine then compute the same fingerprints.
		r.Report.Asset = tracker.ReportAsset(path, r.Report)
		scan.Reports = append(scan.Reports, tracker.ScanReport{Artifact: r.Artifact, Kind: r.Kind, Report: r.Report})
	}
	if _, err := s.tracker.Record(ctx, scan); err != nil {
		return err
	}
	if err := s.tracker.Reconcile(ctx, j.ProjectID, path); err != nil {
		return err
	}
	if err := s.patch(ctx, j.ProjectID, path, scan); err != nil {
		return err
	}
	s.patched.Store(j.ProjectID, j.JobID) // also without a patcher: see checkIngested
	return nil
}

// alreadyIngested ends the ingest of a job another delivery already read.
type alreadyIngested struct{ complete bool }

func (e *alreadyIngested) Error() string { return "job already ingested" }

// checkIngested keeps a job's Job Hook and its Pipeline Hook, which both
// name the job, from downloading its artifacts twice. It runs under the
// project's lock (a Job Hook also asks before it, to spare the job's read:
// a job carried through stays so), so whichever of the two comes second sees what the first
// recorded. The Pipeline Hook defers to any record of the job (a skip or a
// rejection included). A Job Hook defers only to a complete one that this
// process carried through reconciliation and patching: the queue retries a
// Job Hook whose patch failed, and that retry must read the reports again.
func (s *Service) checkIngested(ctx context.Context, j scanJob, fromPipeline bool) error {
	handled, complete, err := s.ledger.JobHandled(ctx, j.ProjectID, j.JobID)
	if err != nil {
		return err
	}
	if !fromPipeline {
		last, ok := s.patched.Load(j.ProjectID)
		handled = complete && ok && last == j.JobID
	}
	if handled {
		s.log.Debug("job already ingested", "project_id", j.ProjectID, "job_id", j.JobID)
		return &alreadyIngested{complete: complete}
	}
	return nil
}

// readJob asks GitLab which reports the job has and reads them. A job that
// is no scan is a *ingest.SkipError when named like a scanner, errNotAScan
// otherwise, so ordinary build jobs fill no records.
func (s *Service) readJob(ctx context.Context, j scanJob, job *gitlab.Job) ([]ingest.Report, error) {
	if job == nil {
		var err error
		if job, err = s.getJob(ctx, j); err != nil {
			return nil, err
		}
	}
	plan, err := ingest.PlanJob(job, s.now())
	if err == nil {
		var reps []ingest.Report
		if reps, err = s.fetcher.FetchJob(ctx, j.ProjectID, job, plan); err == nil {
			s.storeSBOM(ctx, j, plan, reps)
			return reps, nil
		}
	}
	if ingest.ReasonOf(err) == ingest.NotScanJob && j.Failed && s.namedScanner(j.JobName) {
		return nil, jobFailed(j)
	}
	if ingest.ReasonOf(err) == ingest.NotScanJob && !s.namedScanner(j.JobName) {
		// An ordinary build or test job: not a skipped scan, so no record,
		// no counter and no warning for every job of every pipeline.
		s.log.Debug("job is no scan", "project_id", j.ProjectID, "job_id", j.JobID, "job", j.JobName)
		return nil, errNotAScan
	}
	return nil, err
}

// jobFailed is the outcome of a scanner job that failed without leaving a
// usable report.
func jobFailed(j scanJob) error {
	return ingest.Skip(ingest.JobFailed, "job %d (%s) failed without a security report", j.JobID, j.JobName)
}

// errNotAScan ends the ingest of an ordinary job without a record.
var errNotAScan = errors.New("not a scan job")

// namedScanner reports whether a job's name promises a scan: a template's
// scanner job, or one the operator named with --job-name.
func (s *Service) namedScanner(name string) bool {
	return ingest.LooksLikeScanner(name) || (len(s.cfg.JobNames) > 0 && s.wantJob(name))
}

func (s *Service) getJob(ctx context.Context, j scanJob) (*gitlab.Job, error) {
	job, resp, err := s.gl.Jobs.GetJob(j.ProjectID, j.JobID, gitlab.WithContext(ctx))
	if err != nil {
		if resp != nil && (resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusForbidden) {
			return nil, ingest.Skip(ingest.ProjectNotVisible, "the bot cannot read job %d of project %d", j.JobID, j.ProjectID)
		}
		return nil, fmt.Errorf("read job %d of project %d: %w", j.JobID, j.ProjectID, err)
	}
	return job, nil
}
