package patch

import (
	"fmt"
	"sort"

	"gitlab.com/vigil-vm/vigil/bot/markdown"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Unfixable is a finding no patcher can fix, and why. Only an Actionable
// reason (the fix is in a new major version) is worth a note on the
// tracking issues; the others (no fix is known, no patcher for the
// ecosystem) are what the issue's labels already say.
type Unfixable struct {
	Finding    findings.Finding
	Reason     string
	Actionable bool
	Issues     []int // the finding's tracking issues
}

// Plan groups active findings into fixes: one per patcher and package (or
// per Grouper key), at the lowest version that fixes every finding of the
// group without leaving the current major version. issues maps a finding's
// fingerprint to its tracking issues; it may be nil.
func Plan(fs []findings.Finding, patchers []Patcher, issues func(fingerprint string) []int) ([]Fix, []Unfixable) {
	type key struct{ eco, group string }
	byKey := map[key]*Fix{}
	var order []key
	var unfixable []Unfixable
	for _, f := range fs {
		if f.Suppression != nil {
			continue
		}
		var is []int
		if issues != nil {
			is = issues(f.Fingerprint)
		}
		p := handler(patchers, f)
		if p == nil {
			unfixable = append(unfixable, Unfixable{Finding: f, Reason: fmt.Sprintf("no patcher handles %s packages", markdown.Inline(f.Package.Type)), Issues: is})
			continue
		}
		if f.Fix.State != findings.FixAvailable || len(f.Fix.Versions) == 0 {
			unfixable = append(unfixable, Unfixable{Finding: f, Reason: fmt.Sprintf("no fixed version of `%s` is known", markdown.Code(f.Package.Name)), Issues: is})
			continue
		}
		to, reason, actionable := FixVersion(f.Package.Version, f.Fix.Versions)
		if reason != "" {
			unfixable = append(unfixable, Unfixable{Finding: f, Reason: reason, Actionable: actionable, Issues: is})
			continue
		}
		k := key{eco: p.Name(), group: f.Package.Name}
		g, grouped := p.(Grouper)
		if grouped {
			k.group = g.Group(f)
		}
		fix := byKey[k]
		if fix == nil {
			fix = &Fix{Ecosystem: p.Name(), Package: k.group, From: f.Package.Version, To: to}
			if grouped {
				// The packages' versions are not the group's: a base
				// image's tags are found by its patcher.
				fix.From, fix.To = "", ""
			}
			byKey[k] = fix
			order = append(order, k)
		}
		if !grouped && CompareVersions(to, fix.To) > 0 {
			fix.To = to
		}
		if !grouped && CompareVersions(f.Package.Version, fix.From) < 0 {
			fix.From = f.Package.Version
		}
		fix.Findings = append(fix.Findings, f)
		fix.Issues = appendUnique(fix.Issues, is...)
	}
	out := make([]Fix, 0, len(order))
	for _, k := range order {
		sort.Ints(byKey[k].Issues)
		out = append(out, *byKey[k])
	}
	sort.SliceStable(out, func(i, j int) bool { return MaxSeverity(out[i]) > MaxSeverity(out[j]) })
	return out, unfixable
}

// FixVersion picks the lowest of the fixed versions above current in the
// same major version. The reason is set when there is none; actionable
// when a person could take the fix (it is in a new major version).
func FixVersion(current string, fixed []string) (to, reason string, actionable bool) {
	var best, otherMajor string
	for _, v := range fixed {
		if CompareVersions(v, current) <= 0 {
			continue
		}
		if Major(v) != Major(current) {
			if otherMajor == "" || CompareVersions(v, otherMajor) < 0 {
				otherMajor = v
			}
			continue
		}
		if best == "" || CompareVersions(v, best) < 0 {
			best = v
		}
	}
	switch {
	case best != "":
		return best, "", false
	case otherMajor != "":
		return "", fmt.Sprintf("the fix (%s) is in a new major version; vigil does not cross major versions, so upgrading is yours to plan", otherMajor), true
	}
	return "", fmt.Sprintf("no fixed version is newer than %s", current), false
}

// MaxSeverity is the highest severity among the fix's findings.
func MaxSeverity(fix Fix) findings.Severity {
	var s findings.Severity
	for _, f := range fix.Findings {
		s = max(s, f.Vulnerability.Severity)
	}
	return s
}

func handler(ps []Patcher, f findings.Finding) Patcher {
	for _, p := range ps {
		if p.Handles(f) {
			return p
		}
	}
	return nil
}

func appendUnique(s []int, vs ...int) []int {
	for _, v := range vs {
		found := false
		for _, x := range s {
			found = found || x == v
		}
		if !found {
			s = append(s, v)
		}
	}
	return s
}
