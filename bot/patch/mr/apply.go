package mr

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/markdown"
	"gitlab.com/vigil-vm/vigil/bot/patch"
)

// apply runs the fix's patcher on a fresh copy of the default branch and
// brings the merge request in line with what it proposes.
func (r *run) apply(ctx context.Context, fix patch.Fix) (Outcome, error) {
	o := Outcome{Ecosystem: fix.Ecosystem, Package: fix.Package, From: fix.From, To: fix.To, Severity: patch.MaxSeverity(fix)}
	res, err := r.update(ctx, fix)
	if err != nil {
		// The machinery failed (a tool missing, a disk full): the
		// operator's problem, not the issue owner's, so it is logged.
		r.log.WarnContext(ctx, "patcher failed", "project", r.p.Path, "ecosystem", fix.Ecosystem, "package", fix.Package, "err", err)
		o.Action, o.Reason = Failed, shorten(err.Error())
		return o, nil
	}
	switch {
	case res.Status == patch.Current:
		o.Action, o.Reason = Current, "the default branch already has the fixed version"
		return o, nil
	case res.Status == patch.Blocked:
		o.Action, o.Reason = Blocked, res.Reason
		return o, r.notes.postAll(ctx, fix.Issues, blockedNote(fix, res.Reason))
	case res.Status == patch.Absent, res.Change.Empty():
		o.Action = Absent
		return o, nil
	}
	c := res.Change
	b := bump{Ecosystem: fix.Ecosystem, Package: cmp.Or(c.Package, fix.Package), From: cmp.Or(c.From, fix.From), To: cmp.Or(c.To, fix.To)}
	o.Package, o.From, o.To = b.Package, b.From, b.To
	o.Branch = Branch(b.Ecosystem, b.Package, b.To)
	return r.propose(ctx, o, b, fix, c)
}

// update runs the patcher's steps (extract, update, artifacts) on a
// scratch copy, which they may edit freely.
func (r *run) update(ctx context.Context, fix patch.Fix) (patch.Result, error) {
	pt := r.patcher(fix.Ecosystem)
	if pt == nil {
		return patch.Result{}, fmt.Errorf("no patcher named %s", fix.Ecosystem)
	}
	// No manifest of the ecosystem: nothing to patch, no tool to run.
	if found, err := patch.FindFiles(r.base, pt.Manifests()...); err != nil || len(found) == 0 {
		return patch.Result{Status: patch.Absent}, err
	}
	dir, err := r.fetch()
	if err != nil {
		return patch.Result{}, err
	}
	defer os.RemoveAll(dir)
	return patch.Apply(ctx, pt, dir, fix)
}

// blockedNote is what the tracking issues are told when a person must act.
func blockedNote(fix patch.Fix, reason string) string {
	if fix.To == "" { // a group: the base image
		return "vigil cannot propose a base image update for these OS packages yet: " + reason
	}
	return fmt.Sprintf("vigil cannot propose a patch merge request bumping `%s` to %s: %s", markdown.Code(fix.Package), markdown.Inline(fix.To), reason)
}

// propose brings one proposed change to GitLab: refresh the open merge
// request, respect a decline and the cap, or open a new one.
func (r *run) propose(ctx context.Context, o Outcome, b bump, fix patch.Fix, c patch.Change) (Outcome, error) {
	title, body := Title(b.Package, b.From, b.To), description(b, fix, c)
	if m := r.byBranch[o.Branch]; m != nil {
		o.MR = m.IID
		return r.refresh(ctx, o, m, title, body, c)
	}
	declined, err := r.declined(ctx, o.Branch)
	if err != nil {
		return o, err
	}
	if declined {
		o.Action, o.Reason = Declined, "a merge request for this version was closed without merging"
		return o, nil
	}
	old := r.byKey[b.key()]
	if old != nil {
		if mk, _ := readMarker(old.Description); patch.CompareVersions(mk.Version, b.To) >= 0 {
			o.MR, o.Action, o.Reason = old.IID, Unchanged, "an open merge request already bumps to "+mk.Version
			return o, nil
		}
	}
	if old == nil && r.open >= r.opts.MaxOpen {
		o.Action, o.Reason = Capped, fmt.Sprintf("%d vigil merge requests are open (limit %d)", r.open, r.opts.MaxOpen)
		return o, nil
	}
	return r.openMR(ctx, o, b, fix, c, old, title, body)
}

// openMR commits the branch and opens its merge request, superseding old.
func (r *run) openMR(ctx context.Context, o Outcome, b bump, fix patch.Fix, c patch.Change, old *gitlab.BasicMergeRequest, title, body string) (Outcome, error) {
	if err := r.commit(ctx, r.p, r.base, o.Branch, title, c); err != nil {
		return o, err
	}
	created, err := r.createMR(ctx, r.p.ID, &gitlab.CreateMergeRequestOptions{
		Title: gitlab.Ptr(title), Description: gitlab.Ptr(body),
		SourceBranch: gitlab.Ptr(o.Branch), TargetBranch: gitlab.Ptr(r.p.DefaultBranch),
		Labels: (*gitlab.LabelOptions)(gitlab.Ptr(r.opts.labels())), AssigneeIDs: gitlab.Ptr(r.assignees(ctx, r.p, fix.Issues)),
		RemoveSourceBranch: gitlab.Ptr(true),
	})
	if err != nil {
		return o, err
	}
	o.MR, o.Action = created.IID, Opened
	if old != nil {
		note := fmt.Sprintf("Superseded by !%d, which bumps `%s` to %s.", created.IID, b.Package, b.To)
		if err := r.closeMR(ctx, r.p, old.IID, note); err != nil {
			return o, err
		}
		r.res.Closed = append(r.res.Closed, old.IID)
	} else {
		r.open++
	}
	if r.opts.autoMerges(o.Severity) && patchLevel(b.From, b.To) {
		o.AutoMerge = r.autoMerge(ctx, created.IID)
	}
	return o, nil
}

// refresh brings an open merge request's branch and text up to date.
func (r *run) refresh(ctx context.Context, o Outcome, m *gitlab.BasicMergeRequest, title, body string, c patch.Change) (Outcome, error) {
	o.Action = Unchanged
	same, err := r.branchMatches(ctx, r.p, o.Branch, c)
	if err != nil {
		return o, err
	}
	if !same || m.HasConflicts {
		if err := r.commit(ctx, r.p, r.base, o.Branch, title, c); err != nil {
			return o, err
		}
		o.Action, o.Reason = Rebuilt, "rebuilt on the current "+r.p.DefaultBranch
	}
	labels := r.opts.labels()
	missing := false
	for _, l := range labels {
		missing = missing || !slices.Contains(m.Labels, l)
	}
	if m.Title != title || strings.TrimSpace(m.Description) != strings.TrimSpace(body) || missing {
		err := r.write(ctx, fmt.Sprintf("update !%d", m.IID), func() (*gitlab.Response, error) {
			_, resp, err := r.client.MergeRequests.UpdateMergeRequest(r.p.ID, m.IID, &gitlab.UpdateMergeRequestOptions{
				Title: gitlab.Ptr(title), Description: gitlab.Ptr(body), AddLabels: (*gitlab.LabelOptions)(gitlab.Ptr(labels)),
			}, gitlab.WithContext(ctx))
			return resp, err
		})
		if err != nil {
			return o, err
		}
		if o.Action == Unchanged {
			o.Action = Updated
		}
	}
	return o, nil
}

// closeUnneeded closes vigil merge requests whose findings are gone. Those
// of a disabled ecosystem stay: turning an ecosystem off is not a verdict
// on its open merge requests.
func (r *run) closeUnneeded(ctx context.Context, fixes []patch.Fix) error {
	keep, keepEco := map[string]bool{}, map[string]bool{}
	for _, fix := range fixes {
		if _, grouped := r.patcher(fix.Ecosystem).(patch.Grouper); grouped {
			keepEco[fix.Ecosystem] = true
		} else {
			keep[fix.Ecosystem+"/"+fix.Package] = true
		}
	}
	for _, branch := range slices.Sorted(maps.Keys(r.byBranch)) {
		m := r.byBranch[branch]
		mk, _ := readMarker(m.Description)
		eco, _, _ := strings.Cut(mk.Key, "/")
		if keep[mk.Key] || keepEco[eco] || r.disabledEcosystem(eco) || slices.Contains(r.res.Closed, m.IID) {
			continue
		}
		note := "vigil no longer detects the vulnerabilities this merge request fixes (fixed another way, or no longer present), so it is not needed any more. Closing it."
		if err := r.closeMR(ctx, r.p, m.IID, note); err != nil {
			return err
		}
		r.res.Closed = append(r.res.Closed, m.IID)
		delete(r.byBranch, branch)
		delete(r.byKey, mk.Key)
		r.open--
	}
	return nil
}

var numRE = regexp.MustCompile(`\d+`)

// patchLevel reports whether from → to changes only the third number.
func patchLevel(from, to string) bool {
	a, b := numRE.FindAllString(from, -1), numRE.FindAllString(to, -1)
	return len(a) >= 3 && len(b) >= 3 && a[0] == b[0] && a[1] == b[1] && patch.CompareVersions(from, to) < 0
}

func shorten(s string) string {
	const max = 600
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
