package mr

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/patch"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// plan is the one place the options choose what to patch: findings below
// the severity floor and ecosystems turned off are dropped here, silently,
// before any patcher or GitLab call sees them.
func (e *Engine) plan(req Request) ([]patch.Fix, []patch.Unfixable) {
	var enabled []patch.Patcher
	for _, pt := range e.patchers {
		if !slices.Contains(e.opts.Disabled, pt.Name()) {
			enabled = append(enabled, pt)
		}
	}
	var fs []findings.Finding
	for _, f := range req.Findings {
		if f.Vulnerability.Severity >= e.opts.MinSeverity && !e.disabled(f) {
			fs = append(fs, f)
		}
	}
	return patch.Plan(fs, enabled, func(fp string) []int { return req.Issues[fp] })
}

// disabled reports whether a turned-off ecosystem owns the finding: it
// gets neither a merge request nor a note, and its merge requests stay.
func (e *Engine) disabled(f findings.Finding) bool {
	for _, pt := range e.patchers {
		if pt.Handles(f) {
			return slices.Contains(e.opts.Disabled, pt.Name())
		}
	}
	return false
}

// disabledEcosystem reports whether name is turned off.
func (e *Engine) disabledEcosystem(name string) bool { return slices.Contains(e.opts.Disabled, name) }

func (e *Engine) patcher(name string) patch.Patcher {
	for _, p := range e.patchers {
		if p.Name() == name {
			return p
		}
	}
	return nil
}

// planned is a dry run: the fixes a reconciliation would try, in order.
// A base image's tags are chosen only by scanning candidates, so a dry
// run names no tag for it.
func planned(fixes []patch.Fix, unfixable []patch.Unfixable) *Result {
	res := &Result{Unfixable: unfixable}
	for _, fx := range fixes {
		o := Outcome{Ecosystem: fx.Ecosystem, Package: fx.Package, From: fx.From, To: fx.To,
			Severity: patch.MaxSeverity(fx), Action: Planned}
		if fx.To != "" {
			o.Branch = Branch(fx.Ecosystem, fx.Package, fx.To)
		} else {
			o.Reason = fmt.Sprintf("a newer base image fixing %d OS package %s, chosen by scanning candidate tags", len(fx.Findings), plural(len(fx.Findings), "finding", "findings"))
		}
		res.Outcomes = append(res.Outcomes, o)
	}
	return res
}

// steadyKey sums up what a reconciliation depends on: the fixes with their
// findings and issues, the notes owed, and vigil's open merge requests as
// GitLab reports them (head, conflicts, labels). Equal keys mean nothing
// to do.
func steadyKey(fixes []patch.Fix, unfixable []patch.Unfixable, open map[string]*gitlab.BasicMergeRequest) string {
	h := sha256.New()
	for _, f := range fixes {
		fmt.Fprintf(h, "fix %s %s %s %s %v\n", f.Ecosystem, f.Package, f.From, f.To, f.Issues)
		for _, fd := range f.Findings {
			fmt.Fprintf(h, " %s %s %s %s\n", fd.Fingerprint, fd.Key(), fd.Package.Version, fd.Vulnerability.Severity)
		}
	}
	for _, u := range unfixable {
		if u.Actionable {
			fmt.Fprintf(h, "note %v %s\n", u.Issues, u.Reason)
		}
	}
	branches := make([]string, 0, len(open))
	for b := range open {
		branches = append(branches, b)
	}
	sort.Strings(branches)
	for _, b := range branches {
		m := open[b]
		labels := slices.Clone(m.Labels)
		sort.Strings(labels)
		fmt.Fprintf(h, "mr %d %s %s %v %s %s\n", m.IID, b, m.SHA, m.HasConflicts, strings.Join(labels, ","), m.Title)
	}
	return hex.EncodeToString(h.Sum(nil))
}
