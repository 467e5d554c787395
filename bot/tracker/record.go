package tracker

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/sla"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Scan is what one finished job reported for one project.
type Scan struct {
	ProjectID   int64
	ProjectPath string
	PipelineID  int64
	JobID       int64
	Reports     []ScanReport
}

// ScanReport is one report of the scan. A report is complete for its asset:
// a finding of that asset it does not list is resolved.
type ScanReport struct {
	Artifact string
	Report   *findings.Report
}

// record is what the ledger keeps of a finding besides its columns: the
// latest detection, enough to render the issue.
type record struct {
	Finding    findings.Finding `json:"finding"`
	Asset      findings.Asset   `json:"asset"`
	PipelineID int64            `json:"pipeline_id"`
	JobID      int64            `json:"job_id"`
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

func ingestKey(projectID, jobID int64, artifact string) string {
	return fmt.Sprintf("%d/%d/%s", projectID, jobID, artifact)
}

// Record writes a scan into the ledger in one transaction: every finding it
// saw, and every finding of its assets it no longer sees marked resolved.
// Reports already recorded (a redelivery) are skipped. It returns whether
// anything was recorded.
func (t *Tracker) Record(ctx context.Context, scan Scan) (bool, error) {
	now := t.now().UTC()
	pol := t.policy(scan.ProjectPath)
	var fresh []ScanReport
	for _, r := range scan.Reports {
		st, err := t.ledger.IngestStatus(ctx, ingestKey(scan.ProjectID, scan.JobID, r.Artifact))
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

func (t *Tracker) recordReport(ctx context.Context, tx *sql.Tx, pol sla.Policy, scan Scan, r ScanReport, now time.Time) error {
	rep := r.Report
	asset := rep.Asset
	merged := map[string]ledger.Finding{}
	for _, f := range rep.Findings {
		if !tracked(f) {
			continue
		}
		fp := findings.FingerprintFor(scan.ProjectPath, asset, f)
		data, err := json.Marshal(record{Finding: f, Asset: asset, PipelineID: scan.PipelineID, JobID: scan.JobID})
		if err != nil {
			return fmt.Errorf("encode finding %s: %w", fp, err)
		}
		rec := ledger.Finding{
			Fingerprint: fp, ProjectID: scan.ProjectID, ProjectPath: scan.ProjectPath, Asset: asset.Repository,
			Digest: asset.Digest, PackageType: f.Package.Type, PackageName: f.Package.Name,
			PackageVersion: f.Package.Version, Vulnerability: f.Key(), Severity: f.Vulnerability.Severity,
			LastSeen: now, FixState: fixState(f.Fix.State), Status: ledger.FindingOpen,
			Group: GroupKey(pol.GroupBy, scan.ProjectPath, asset, f), Data: data,
		}
		if prev, ok := merged[fp]; ok {
			// The same package twice in one image (two binaries): keep the worse.
			if prev.Severity >= rec.Severity {
				continue
			}
		}
		merged[fp] = rec
	}
	seen := make([]string, 0, len(merged))
	for fp, rec := range merged {
		prev, err := t.ledger.Finding(ctx, tx, fp)
		switch {
		case err == nil:
			rec.FirstSeen, rec.FixSince = prev.FirstSeen, prev.FixSince
		case ledger.IsNotFound(err):
			rec.FirstSeen = now
		default:
			return err
		}
		if rec.FixSince.IsZero() && rec.FixState == findings.FixAvailable {
			rec.FixSince = now
		}
		if err := t.ledger.PutFinding(ctx, tx, rec); err != nil {
			return err
		}
		seen = append(seen, fp)
	}
	sort.Strings(seen)
	open, err := t.ledger.AssetFindings(ctx, tx, scan.ProjectID, asset.Repository)
	if err != nil {
		return err
	}
	by := scanName(scan.PipelineID, scan.JobID, asset.Digest)
	for _, f := range open {
		if _, ok := merged[f.Fingerprint]; ok {
			continue
		}
		f.Status, f.ResolvedBy = ledger.FindingResolved, by
		if err := t.ledger.PutFinding(ctx, tx, f); err != nil {
			return err
		}
	}
	return t.ledger.PutIngest(ctx, tx, ledger.Ingest{
		Key: ingestKey(scan.ProjectID, scan.JobID, r.Artifact), ProjectID: scan.ProjectID, PipelineID: scan.PipelineID,
		JobID: scan.JobID, Artifact: r.Artifact, Asset: asset.Repository, Digest: asset.Digest, Findings: len(seen),
		Status: ledger.IngestComplete, At: now,
	}, seen)
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

func fixState(s string) string {
	switch s {
	case findings.FixAvailable, findings.FixUnavailable, findings.FixWontFix:
		return s
	}
	return findings.FixUnknown
}
