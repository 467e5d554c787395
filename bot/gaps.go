package bot

import (
	"context"
	"slices"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/gitlabapi"
	"gitlab.com/vigil-vm/vigil/bot/inventory"
	"gitlab.com/vigil-vm/vigil/bot/ledger"
)

// trackCoverage keeps one coverage-gap issue per owner project after an
// inventory run: the project's images that run or are stored and that no
// scan covers. A source that failed to list keeps the gaps it had in the
// last run (its images are not known to be covered, only not listed). An
// owner that is no GitLab project the bot can see, or whose issue cannot
// be written, is logged and tried again at the next run; only the
// ledger's errors fail the job.
func (s *Service) trackCoverage(ctx context.Context, results []inventory.Result, r inventory.Report, rules inventory.Rules, scanned inventory.Scanned) error {
	recs, err := s.ledger.CoverageIssues(ctx)
	if err != nil {
		return err
	}
	failed := map[string]bool{}
	for _, res := range results {
		failed[res.Source] = res.Err != nil
	}
	var kept []inventory.Gap
	known := map[string]ledger.CoverageIssue{} // by lower-case owner: GitLab paths ignore case
	for _, rec := range recs {
		known[strings.ToLower(rec.Owner)] = rec
		for _, g := range rec.Gaps {
			if failed[g.Source] {
				kept = append(kept, g)
			}
		}
	}
	gaps := map[string][]inventory.Gap{}
	for owner, gs := range inventory.OwnerGaps(r, kept, scanned, rules.MaxScanAge, s.now()) {
		gaps[strings.ToLower(owner)] = append(gaps[strings.ToLower(owner)], gs...)
	}
	var owners []string // with gaps now, or with an issue that may have to close
	for key := range gaps {
		owners = append(owners, key)
	}
	for key := range known {
		if _, ok := gaps[key]; !ok {
			owners = append(owners, key)
		}
	}
	slices.Sort(owners)
	for _, key := range owners {
		gs := gaps[key]
		inventory.SortGaps(gs)
		rec, ok := known[key]
		if !ok {
			if rec, err = s.coverageRecord(ctx, gs[0].Owner); err != nil {
				s.log.Warn("coverage gaps of an owner not tracked", "owner", gs[0].Owner, "gaps", len(gs), "err", err.Error())
				continue
			}
		}
		if err := s.trackProjectGaps(ctx, rec, gs, unlisted(gs, failed)); err != nil {
			s.log.Warn("coverage-gap issue not written; tried again at the next inventory", "owner", rec.Owner, "err", err.Error())
		}
	}
	return nil
}

// coverageRecord starts the record of an owner's issue: the project the
// owner path names, as GitLab has it.
func (s *Service) coverageRecord(ctx context.Context, owner string) (ledger.CoverageIssue, error) {
	p, resp, err := s.gl.Projects.GetProject(owner, nil, gitlab.WithContext(ctx))
	if err != nil {
		return ledger.CoverageIssue{}, gitlabapi.Wrap("look up owner project", resp, err)
	}
	return ledger.CoverageIssue{ProjectID: p.ID, Owner: p.PathWithNamespace}, nil
}

func (s *Service) trackProjectGaps(ctx context.Context, rec ledger.CoverageIssue, gaps []inventory.Gap, unlisted []string) error {
	unlock := s.locks.lock(rec.ProjectID)
	defer unlock()
	return s.tracker.TrackGaps(ctx, rec, gaps, unlisted)
}

// unlisted names the failed sources among gaps: theirs are the last run's.
func unlisted(gaps []inventory.Gap, failed map[string]bool) []string {
	var out []string
	for _, g := range gaps {
		if failed[g.Source] && !slices.Contains(out, g.Source) {
			out = append(out, g.Source)
		}
	}
	slices.Sort(out)
	return out
}
