package report

import (
	"slices"
	"strings"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// sorted returns the findings most severe first, then by vulnerability and
// package, without touching the report.
func sorted(fs []findings.Finding) []findings.Finding {
	out := slices.Clone(fs)
	slices.SortStableFunc(out, func(a, b findings.Finding) int {
		if a.Vulnerability.Severity != b.Vulnerability.Severity {
			return int(b.Vulnerability.Severity - a.Vulnerability.Severity)
		}
		if c := strings.Compare(a.Key(), b.Key()); c != 0 {
			return c
		}
		if c := strings.Compare(a.Package.Name, b.Package.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Package.Version, b.Package.Version)
	})
	return out
}

// split separates active from suppressed findings, each sorted.
func split(rep *findings.Report) (active, suppressed []findings.Finding) {
	for _, f := range sorted(rep.Findings) {
		if f.Suppression == nil {
			active = append(active, f)
		} else {
			suppressed = append(suppressed, f)
		}
	}
	return active, suppressed
}

func counts(fs []findings.Finding) map[findings.Severity]int {
	n := map[findings.Severity]int{}
	for _, f := range fs {
		n[f.Vulnerability.Severity]++
	}
	return n
}

// fixedIn says in words where the finding is fixed.
func fixedIn(f findings.Finding) string {
	switch {
	case len(f.Fix.Versions) > 0:
		return strings.Join(f.Fix.Versions, ", ")
	case f.Fix.State == findings.FixWontFix:
		return "won't fix"
	case f.Fix.State == findings.FixUnavailable:
		return "no fix yet"
	}
	return "unknown"
}

func suppressionText(s *findings.Suppression) string {
	if s.Reason != "" {
		return s.Reason
	}
	return s.Kind
}
