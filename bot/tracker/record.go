package tracker

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/sla"
	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/glreport"
)

// Scan is what one finished job reported for one project.
type Scan struct {
	ProjectID   int64
	ProjectPath string
	PipelineID  int64
	JobID       int64
	// JobName and Ref say which scan this was; with them a report is
	// complete for its job on its ref (see Scope). Without a job name a
	// report is complete for its asset, as vigil's own reports always name one.
	JobName string
	Ref     string
	Reports []ScanReport
	// Monitor names the monitoring that matched a stored SBOM again when no
	// pipeline ran (RecordMonitor): its findings say they were detected so.
	Monitor string
}

// ScanReport is one report of the scan. A report is complete for its scope:
// a finding of that scope it does not list is resolved.
type ScanReport struct {
	Artifact string
	// Kind is glreport.TypeContainerScanning or TypeDependencyScanning; when
	// empty it is read from the artifact name.
	Kind   string
	Report *findings.Report
}

// Scope names what a report is complete for: the project (implicit), the
// scanner job, the ref and the kind of report. The image is not part of it:
// a clean GitLab report names no image, and one job scans one image (GitLab's
// parallel:matrix gives each image its own job name).
func Scope(scan Scan, r ScanReport) string {
	if scan.JobName == "" {
		return legacyScope(r.Report.Asset.Repository)
	}
	return JobScope(scan.JobName, scan.Ref, r.kind())
}

// JobScope is the scope of the reports of one kind a job writes on a ref.
func JobScope(jobName, ref, kind string) string { return "job:" + jobName + "@" + ref + ":" + kind }

func (r ScanReport) kind() string {
	switch {
	case r.Kind != "":
		return r.Kind
	case r.Artifact == findings.DependencyScanningFile:
		return glreport.TypeDependencyScanning
	}
	return glreport.TypeContainerScanning
}

// legacyScope is the scope of findings recorded before scopes had jobs and
// refs, and of reports that come without a job: their asset.
func legacyScope(repository string) string { return "asset:" + repository }

// record is what the ledger keeps of a finding besides its columns: the
// latest detection, enough to render the issue.
type record struct {
	Finding    findings.Finding `json:"finding"`
	Asset      findings.Asset   `json:"asset"`
	PipelineID int64            `json:"pipeline_id"`
	JobID      int64            `json:"job_id"`
	// Monitor names the monitoring that found it, when no scan did
	// ("continuous monitoring (DB build of …)", see RecordMonitor).
	Monitor string `json:"monitor,omitempty"`
}

// tracked reports whether a finding deserves an issue: VEX statements and
// allowlist entries say it does not apply; an unfixed one still does.
func tracked(f findings.Finding) bool {
	if f.Suppression == nil {
		return true
	}
	return f.Suppression.Kind == findings.SuppressedUnfixed
}

// GroupKey names the issue group of a finding under a grouping rule.
func GroupKey(groupBy, projectPath string, asset findings.Asset, f findings.Finding) string {
	switch groupBy {
	case sla.GroupByPackage:
		return findings.Fingerprint(projectPath, "group:package", f.Package.Type, f.Package.Name, "")
	case sla.GroupByImage:
		return findings.Fingerprint(projectPath, "group:image:"+asset.Repository, f.Package.Type, f.Package.Name, f.Key())
	default:
		return findings.Fingerprint(projectPath, "group:vulnerability", f.Package.Type, f.Package.Name, f.Key())
	}
}

// IngestKey names the ingest of one artifact of one job.
func IngestKey(projectID, jobID int64, artifact string) string {
	return fmt.Sprintf("%d/%d/%s", projectID, jobID, artifact)
}

// Record writes a scan into the ledger in one transaction: every finding it
// saw, and every finding of its scopes it no longer sees marked resolved.
// Reports already recorded (a redelivery) are skipped. It returns whether
// anything was recorded.
func (t *Tracker) Record(ctx context.Context, scan Scan) (bool, error) {
	now := t.now().UTC()
	pol := t.policy(scan.ProjectPath)
	var fresh []ScanReport
	for _, r := range scan.Reports {
		st, err := t.ledger.IngestStatus(ctx, IngestKey(scan.ProjectID, scan.JobID, r.Artifact))
		if err != nil {
			return false, err
		}
		if st != ledger.IngestComplete {
			fresh = append(fresh, r)
		}
	}
	if len(fresh) == 0 {
		return false, nil
	}
	if err := t.ledger.SetProjectPath(ctx, scan.ProjectID, scan.ProjectPath); err != nil {
		return false, err
	}
	err := t.ledger.Tx(ctx, func(tx *sql.Tx) error {
		for _, r := range fresh {
			if err := t.recordReport(ctx, tx, pol, scan, r, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("record scan of job %d: %w", scan.JobID, err)
	}
	return true, nil
}

// ReportAsset is the asset findings of a report belong to. A dependency
// scan's asset is the project itself: the manifest is a location, so a
// finding keeps its identity when the set of manifests changes.
func ReportAsset(projectPath string, rep *findings.Report) findings.Asset {
	asset := rep.Asset
	if asset.Kind == "dir" && asset.Repository == "" {
		asset.Repository = projectPath
	}
	return asset
}

func (t *Tracker) recordReport(ctx context.Context, tx *sql.Tx, pol sla.Policy, scan Scan, r ScanReport, now time.Time) error {
	asset := ReportAsset(scan.ProjectPath, r.Report)
	scope := Scope(scan, r)
	merged, err := t.mergeFindings(pol, scan, r.Report, asset, scope, now)
	if err != nil {
		return err
	}
	for _, rec := range merged {
		if err := t.putFinding(ctx, tx, rec, now, false); err != nil {
			return err
		}
	}
	if err := t.resolveUnseen(ctx, tx, scan, asset, scope, merged, now); err != nil {
		return err
	}
	return t.ledger.PutIngest(ctx, tx, ledger.Ingest{
		Key: IngestKey(scan.ProjectID, scan.JobID, r.Artifact), ProjectID: scan.ProjectID, PipelineID: scan.PipelineID,
		JobID: scan.JobID, JobName: scan.JobName, Ref: scan.Ref, Artifact: r.Artifact, Asset: asset.Repository,
		Digest: asset.Digest, Findings: len(merged), Status: ledger.IngestComplete, At: now,
	})
}

// putFinding writes one merged finding over the ledger's row, keeping when
// it was first seen and since when a fix exists, with the events of its
// change. A monitored finding (RecordMonitor) that a scan holds open keeps
// the scan's scope, so the scan's next report still decides it.
func (t *Tracker) putFinding(ctx context.Context, tx *sql.Tx, rec ledger.Finding, now time.Time, monitored bool) error {
	prev, err := t.ledger.Finding(ctx, tx, rec.Fingerprint)
	before := &prev
	switch {
	case err == nil:
		rec.FirstSeen, rec.FixSince = prev.FirstSeen, prev.FixSince
		if monitored && prev.Status == ledger.FindingOpen {
			rec.Scope = prev.Scope
		}
	case ledger.IsNotFound(err):
		rec.FirstSeen, before = now, nil
	default:
		return err
	}
	if rec.FixSince.IsZero() && findings.ParseFixState(rec.FixState) == findings.FixAvailable {
		rec.FixSince = now
	}
	if err := t.ledger.PutFinding(ctx, tx, rec); err != nil {
		return err
	}
	return t.ledger.AppendEvents(ctx, tx, findingEvents(before, rec, now)...)
}

// mergeFindings turns a report's tracked findings into ledger rows by
// fingerprint. One finding listed twice (two binaries of an image, two
// manifests of a project) is one row with every location and the worse
// severity.
func (t *Tracker) mergeFindings(pol sla.Policy, scan Scan, rep *findings.Report, asset findings.Asset, scope string, now time.Time) (map[string]ledger.Finding, error) {
	byFP := map[string]findings.Finding{}
	var order []string
	for _, f := range rep.Findings {
		if !tracked(f) {
			continue
		}
		fp := findings.FingerprintFor(scan.ProjectPath, asset, f)
		prev, ok := byFP[fp]
		if !ok {
			byFP[fp], order = f, append(order, fp)
			continue
		}
		byFP[fp] = mergeFinding(prev, f)
	}
	out := make(map[string]ledger.Finding, len(byFP))
	for _, fp := range order {
		f := byFP[fp]
		data, err := json.Marshal(record{Finding: f, Asset: asset, PipelineID: scan.PipelineID, JobID: scan.JobID, Monitor: scan.Monitor})
		if err != nil {
			return nil, fmt.Errorf("encode finding %s: %w", fp, err)
		}
		out[fp] = ledger.Finding{
			Fingerprint: fp, ProjectID: scan.ProjectID, ProjectPath: scan.ProjectPath, Asset: asset.Repository,
			Digest: asset.Digest, PackageType: f.Package.Type, PackageName: f.Package.Name,
			PackageVersion: f.Package.Version, Vulnerability: f.Key(), Severity: f.Vulnerability.Severity,
			LastSeen: now, FixState: string(findings.ParseFixState(string(f.Fix.State))), Status: ledger.FindingOpen,
			Group: GroupKey(pol.GroupBy, scan.ProjectPath, asset, f), Scope: scope, Data: data,
		}
	}
	return out, nil
}

// mergeFinding folds a second listing of one finding into the first.
func mergeFinding(a, b findings.Finding) findings.Finding {
	if b.Vulnerability.Severity > a.Vulnerability.Severity {
		a, b = b, a
	}
	for _, l := range b.Package.Locations {
		if !slices.Contains(a.Package.Locations, l) {
			a.Package.Locations = append(a.Package.Locations, l)
		}
	}
	if b.Fix.State.Rank() > a.Fix.State.Rank() {
		a.Fix = b.Fix
	}
	return a
}

// resolveUnseen marks resolved the open findings of the report's scope (and
// of the asset-only scope findings had before scopes named jobs) that the
// report does not list.
func (t *Tracker) resolveUnseen(ctx context.Context, tx *sql.Tx, scan Scan, asset findings.Asset, scope string, seen map[string]ledger.Finding, now time.Time) error {
	scopes := []string{scope}
	if legacy := legacyScope(asset.Repository); asset.Repository != "" && legacy != scope {
		scopes = append(scopes, legacy)
	}
	open, err := t.ledger.ScopeFindings(ctx, tx, scan.ProjectID, scopes...)
	if err != nil {
		return err
	}
	if strings.HasSuffix(scope, ":"+glreport.TypeDependencyScanning) {
		// Dependency findings recorded before scopes: their fingerprints held
		// the manifest path. The same findings now have new fingerprints in
		// the same issue groups, so resolving the old rows closes nothing
		// that is still detected.
		legacy, err := t.ledger.LegacyDependencyFindings(ctx, tx, scan.ProjectID)
		if err != nil {
			return err
		}
		open = append(open, legacy...)
	}
	by := scanName(scan.PipelineID, scan.JobID, asset.Digest)
	for _, f := range open {
		if _, ok := seen[f.Fingerprint]; ok {
			continue
		}
		if err := t.ledger.ResolveFinding(ctx, tx, f, by, now); err != nil {
			return err
		}
	}
	return nil
}

// scanName names a scan for notes: pipeline, job and image digest.
func scanName(pipelineID, jobID int64, digest string) string {
	parts := []string{}
	if pipelineID != 0 {
		parts = append(parts, fmt.Sprintf("pipeline #%d", pipelineID))
	}
	if jobID != 0 {
		parts = append(parts, fmt.Sprintf("job #%d", jobID))
	}
	s := strings.Join(parts, ", ")
	if digest != "" {
		s += " (image " + digest + ")"
	}
	return s
}
