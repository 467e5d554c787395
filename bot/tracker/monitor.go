package tracker

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// MonitorScan is a stored SBOM matched again against a new DB build, with
// no pipeline: continuous monitoring's counterpart of a Scan.
type MonitorScan struct {
	ProjectID   int64
	ProjectPath string
	Asset       findings.Asset // repository and digest of the stored SBOM
	By          string         // "continuous monitoring (DB build of …)"
	Findings    []findings.Finding
	// Changed are the vulnerability ids the new build added, changed or
	// withdrawn (Withdrawn the latter): an open finding of the digest among
	// them that the match no longer lists is resolved. Other findings stay
	// as the scans left them: the re-match only answers for what changed.
	Changed, Withdrawn []string
	// Full says the build could not be diffed with the last one (a new
	// schema, a build no longer kept): the match answers for every open
	// finding of the digest, and one it no longer lists is resolved.
	Full bool
}

// monitorScope is the scope of findings a re-match found first.
func monitorScope(repository string) string { return "monitor:" + repository }

// RecordMonitor writes a re-match into the ledger in one transaction, as
// Record writes a scan: new findings are recorded (and reopen their issues
// at the next Reconcile) saying they were detected by monitoring; a finding
// a scan already holds open keeps the scan's scope, so the scan's next
// report still decides it; findings the match answers for and no longer
// lists are resolved by the monitoring build (resolveNoLongerMatched).
func (t *Tracker) RecordMonitor(ctx context.Context, ms MonitorScan) error {
	now := t.now().UTC()
	pol := t.policy(ms.ProjectPath)
	scan := Scan{ProjectID: ms.ProjectID, ProjectPath: ms.ProjectPath, Monitor: ms.By}
	rep := &findings.Report{Asset: ms.Asset, Findings: ms.Findings}
	merged, err := t.mergeFindings(pol, scan, rep, ms.Asset, monitorScope(ms.Asset.Repository), now)
	if err != nil {
		return err
	}
	if err := t.ledger.SetProjectPath(ctx, ms.ProjectID, ms.ProjectPath); err != nil {
		return err
	}
	err = t.ledger.Tx(ctx, func(tx *sql.Tx) error {
		for _, rec := range merged {
			if err := t.putFinding(ctx, tx, rec, now, true); err != nil {
				return err
			}
		}
		return t.resolveNoLongerMatched(ctx, tx, ms, merged, now)
	})
	if err != nil {
		return fmt.Errorf("record monitoring of %s: %w", ms.Asset.Digest, err)
	}
	return nil
}

// resolveNoLongerMatched resolves the open findings of the digest the
// match no longer lists and answers for: all of them after a full
// re-match, else those whose vulnerability the new build changed or withdrew.
func (t *Tracker) resolveNoLongerMatched(ctx context.Context, tx *sql.Tx, ms MonitorScan, seen map[string]ledger.Finding, now time.Time) error {
	if (!ms.Full && len(ms.Changed) == 0) || ms.Asset.Digest == "" {
		return nil
	}
	open, err := t.ledger.SBOMs().OpenFindingsAt(ctx, tx, ms.ProjectID, ms.Asset.Digest)
	if err != nil {
		return err
	}
	changed, withdrawn := setOf(ms.Changed), setOf(ms.Withdrawn)
	for _, f := range open {
		if _, ok := seen[f.Fingerprint]; ok || f.Asset != ms.Asset.Repository {
			continue
		}
		ids := findingIDs(f)
		among := func(set map[string]bool) bool {
			return slices.ContainsFunc(ids, func(id string) bool { return set[id] })
		}
		if !ms.Full && !among(changed) {
			continue
		}
		why := "its advisory no longer matches " + f.PackageName + " " + f.PackageVersion
		if among(withdrawn) {
			why = "its advisory was withdrawn"
		}
		if err := t.ledger.ResolveFinding(ctx, tx, f, ms.By+": "+why, now); err != nil {
			return err
		}
	}
	return nil
}

func setOf(ids []string) map[string]bool {
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set
}

// findingIDs are a stored finding's vulnerability id, key and aliases.
func findingIDs(f ledger.Finding) []string {
	ids := []string{f.Vulnerability}
	var r record
	if json.Unmarshal(f.Data, &r) == nil {
		ids = append(ids, r.Finding.Vulnerability.ID)
		ids = append(ids, r.Finding.Vulnerability.Aliases...)
	}
	return ids
}
