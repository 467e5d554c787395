package bot

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ingest"
	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/monitor"
	"gitlab.com/vigil-vm/vigil/bot/queue"
	"gitlab.com/vigil-vm/vigil/bot/tracker"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// monitorBatchSize is how many stored SBOMs one monitoring job matches:
// a few seconds of work, so replicas share a fleet finely and a replica
// that dies mid-batch costs little to redo.
const monitorBatchSize = 25

// WithMonitor turns on continuous monitoring: every interval (and at
// start) the matcher is asked for the latest DB build; a new one is
// diffed with the current one and the stored SBOMs it affects are matched
// again in batches, their findings going through the tracker like a scan's.
// The matcher comes from cmd/vigil (ci/monitor); bot/ never imports it.
func WithMonitor(m monitor.Matcher, interval time.Duration) Option {
	return func(o *options) { o.monitor, o.monitorEvery = m, interval }
}

func (s *Service) monitorJobs(o options) *queue.MonitorJobs {
	if o.monitor == nil || o.monitorEvery <= 0 {
		return nil
	}
	s.monitor = o.monitor
	jobs := &queue.MonitorJobs{Interval: o.monitorEvery, Check: s.monitorCheck, Batch: s.monitorBatch}
	if o.cataloger != nil { // catalog.go
		s.cataloger, jobs.Catalog = o.cataloger, s.catalogImage
	}
	return jobs
}

// MonitorNow asks for a check for a new DB build now, besides the periodic one.
func (s *Service) MonitorNow(ctx context.Context) error { return s.queue.EnqueueMonitorCheck(ctx) }

// monitorCheck records a new DB build as current and enqueues the batches
// of stored SBOMs it must be matched against, in one transaction: a crash
// before the commit leaves the old build current, and the next check
// starts over; after it, River holds every batch.
func (s *Service) monitorCheck(ctx context.Context) error {
	latest, err := s.monitor.Latest(ctx)
	if err != nil {
		return fmt.Errorf("look for a new vulnerability DB build: %w", err)
	}
	cur, ok, err := s.ledger.SBOMs().CurrentBuild(ctx)
	if err != nil || (ok && cur.Checksum == latest.Checksum) {
		return err
	}
	ch := monitor.Changes{Full: true}
	if ok {
		if ch, err = s.monitor.Diff(ctx, monitor.Build{Checksum: cur.Checksum, Built: cur.Built, Schema: cur.Schema, Dir: cur.Dir}, latest); err != nil {
			return fmt.Errorf("diff DB builds: %w", err)
		}
	}
	set := ch.KeySet()
	var digests []string
	err = s.ledger.SBOMs().EachKeys(ctx, func(d, build string, keys []string) error {
		if build != latest.Checksum && (build != cur.Checksum || ch.Needs(build, keys, set)) {
			digests = append(digests, d)
		}
		return nil
	})
	if err != nil {
		return err
	}
	raw, err := json.Marshal(latest)
	if err != nil {
		return err
	}
	var batches []queue.MonitorBatchArgs
	for _, b := range monitor.Batch(digests, monitorBatchSize) {
		args := queue.MonitorBatchArgs{Build: raw, Digests: b, Full: ch.Full}
		if !ch.Full {
			args.Vulnerabilities, args.Withdrawn = ch.Vulnerabilities, ch.Withdrawn
		}
		batches = append(batches, args)
	}
	s.log.Info("new vulnerability DB build", "build", latest.Name(), "full", ch.Full, "changed_keys", len(ch.Keys),
		"sboms", len(digests), "batches", len(batches))
	return s.ledger.Tx(ctx, func(tx *sql.Tx) error {
		b := ledger.DBBuild{Checksum: latest.Checksum, Built: latest.Built, Schema: latest.Schema, Dir: latest.Dir, SeenAt: s.now()}
		if err := s.ledger.SBOMs().SetCurrentBuild(ctx, tx, b); err != nil {
			return err
		}
		return s.queue.EnqueueMonitorBatches(ctx, tx, batches)
	})
}

// monitorBatch matches one batch of stored SBOMs against a build. An SBOM
// already matched against it (a batch redone after a crash) is skipped; so
// is a batch of a build a newer one replaced before it ran: the newer
// build's check planned its SBOMs again, since they were not matched
// against the build it replaced.
func (s *Service) monitorBatch(ctx context.Context, args queue.MonitorBatchArgs) error {
	var b monitor.Build
	if err := json.Unmarshal(args.Build, &b); err != nil {
		return fmt.Errorf("monitoring batch: %w", err)
	}
	if cur, ok, err := s.ledger.SBOMs().CurrentBuild(ctx); err != nil || !ok || cur.Checksum != b.Checksum {
		return err
	}
	for _, d := range args.Digests {
		sb, err := s.ledger.SBOMs().Get(ctx, d)
		if ledger.IsNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		if sb.MatchedBuild == b.Checksum {
			continue
		}
		if err := s.rematch(ctx, b, sb, args); err != nil {
			return fmt.Errorf("match SBOM of %s against %s: %w", d, b.Name(), err)
		}
	}
	return nil
}

// rematch matches one stored SBOM and reconciles its project, under the
// project's lock like any delivery.
func (s *Service) rematch(ctx context.Context, b monitor.Build, sb ledger.SBOM, args queue.MonitorBatchArgs) error {
	asset := findings.Asset{Kind: "image", Repository: sb.Repository, Digest: sb.Digest}
	res, err := s.monitor.Match(ctx, b, sb.Document, sb.ProjectPath, asset)
	if err != nil {
		return err
	}
	ctx, unlock := s.lockWork(ctx, sb.ProjectID)
	defer unlock()
	err = s.tracker.RecordMonitor(ctx, tracker.MonitorScan{ProjectID: sb.ProjectID, ProjectPath: sb.ProjectPath, Asset: asset,
		By: b.DetectedBy(), Findings: res.Findings, Full: args.Full, Changed: args.Vulnerabilities, Withdrawn: args.Withdrawn})
	if err != nil {
		return err
	}
	if err := s.tracker.Reconcile(ctx, sb.ProjectID, sb.ProjectPath); err != nil {
		return err
	}
	return s.ledger.SBOMs().SetMatched(ctx, s.ledger.DB(), sb.Digest, b.Checksum, res.Keys)
}

// storeSBOM keeps the SBOM a scan job left for the image it scanned, when
// monitoring is on: the first CycloneDX report of the job, for each report
// naming a digest. A document made by the same syft and vigil is not
// stored again. Failing to store costs monitoring that image, not the scan.
func (s *Service) storeSBOM(ctx context.Context, j scanJob, plan ingest.Plan, reps []ingest.Report) {
	if s.monitor == nil || len(plan.SBOMs) == 0 {
		return
	}
	for _, r := range reps {
		a := r.Report.Asset
		if a.Digest == "" || a.Kind == "dir" {
			continue
		}
		data, err := s.fetcher.Artifact(ctx, j.ProjectID, j.JobID, plan.SBOMs[0])
		if err != nil || len(data) == 0 {
			s.log.Warn("SBOM not stored for monitoring", "project", j.ProjectPath, "digest", a.Digest, "artifact", plan.SBOMs[0], "err", err)
			return
		}
		syft, vigil := ingest.SBOMTools(data)
		if has, err := s.ledger.SBOMs().Has(ctx, a.Digest, syft, vigil); err != nil || has {
			return
		}
		err = s.ledger.SBOMs().Put(ctx, ledger.SBOM{Digest: a.Digest, Repository: a.Repository, ProjectID: j.ProjectID,
			ProjectPath: j.ProjectPath, Artifact: plan.SBOMs[0], SyftVersion: syft, VigilVersion: vigil, Document: data, StoredAt: s.now()})
		if err != nil {
			s.log.Warn("SBOM not stored for monitoring", "digest", a.Digest, "err", err)
		}
		return
	}
}
