package tracker

import (
	"context"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Patchable is what a patch engine may act on after a scan was recorded and
// reconciled: the scan's active findings that have an issue (not dismissed
// as a false positive), each with its fingerprint set, and the issues that
// track each fingerprint. A finding below the policy's threshold, or one
// whose issue was never opened, is left out.
func (t *Tracker) Patchable(ctx context.Context, scan Scan) ([]findings.Finding, map[string][]int64, error) {
	var active []findings.Finding
	issues := map[string][]int64{}
	for _, r := range scan.Reports {
		asset := ReportAsset(scan.ProjectPath, r.Report)
		for _, f := range r.Report.Active() {
			f.Fingerprint = findings.FingerprintFor(scan.ProjectPath, asset, f)
			lf, err := t.ledger.Finding(ctx, t.ledger.DB(), f.Fingerprint)
			if ledger.IsNotFound(err) {
				continue // not tracked
			} else if err != nil {
				return nil, nil, err
			}
			is, err := t.ledger.Issue(ctx, lf.Group)
			if ledger.IsNotFound(err) {
				continue
			} else if err != nil {
				return nil, nil, err
			}
			if is.IID == 0 || is.Exception == findings.FalsePositive {
				continue
			}
			issues[f.Fingerprint] = append(issues[f.Fingerprint], is.IID)
			active = append(active, f)
		}
	}
	return active, issues, nil
}
