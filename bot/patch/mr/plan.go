package mr

import (
	"fmt"
	"slices"

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
	return patch.Plan(fs, enabled, func(fp string) []int64 { return req.Issues[fp] })
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
