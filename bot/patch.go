package bot

import (
	"context"

	"gitlab.com/vigil-vm/vigil/bot/patch/mr"
	"gitlab.com/vigil-vm/vigil/bot/tracker"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// patch keeps the project's fix merge requests in step with a scan that was
// just reconciled. A patch failure does not fail the delivery: the issues
// are already true, and the next scan retries the merge requests (the
// engine is idempotent), so one broken manifest cannot block ingestion.
func (s *Service) patch(ctx context.Context, projectID int64, path string, scan tracker.Scan) {
	if s.patcher == nil {
		return
	}
	var active []findings.Finding
	issues := map[string][]int{}
	for _, r := range scan.Reports {
		for _, f := range r.Report.Active() {
			f.Fingerprint = findings.FingerprintFor(path, r.Report.Asset, f)
			lf, err := s.ledger.Finding(ctx, s.ledger.DB(), f.Fingerprint)
			if err != nil {
				continue // not tracked (below the policy's threshold, say)
			}
			is, err := s.ledger.Issue(ctx, lf.Group)
			if err != nil || is.IID == 0 || is.Exception == "false-positive" {
				continue
			}
			issues[f.Fingerprint] = append(issues[f.Fingerprint], int(is.IID))
			active = append(active, f)
		}
	}
	res, err := s.patcher.Reconcile(ctx, mr.Request{Project: mr.Project{ID: projectID, Path: path}, Findings: active, Issues: issues})
	if err != nil {
		s.log.Warn("patch merge requests", "project", path, "err", err.Error())
		s.metrics.patches.WithLabelValues("error").Inc()
		return
	}
	for _, o := range res.Outcomes {
		s.metrics.patches.WithLabelValues(string(o.Action)).Inc()
		if o.Action != mr.Unchanged {
			s.log.Info("patch merge request", "project", path, "package", o.Package, "to", o.To, "action", string(o.Action), "mr", o.MR)
		}
	}
}
