package gate

import (
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Options are the gate's settings.
type Options struct {
	// FailOn is the lowest severity that fails the gate, when FailOnSet.
	FailOn    findings.Severity
	FailOnSet bool
	// IgnoreUnfixed suppresses findings that have no fixed version.
	IgnoreUnfixed bool
	Allowlist     *Allowlist
	VEX           []*VEXDoc
}

// Apply sets every finding's Suppression from the options, replacing any set
// before: a VEX statement first (the most specific word), then the
// allowlist, then --ignore-unfixed.
func Apply(rep *findings.Report, o Options) {
	img := imageOf(rep.Asset)
	for i := range rep.Findings {
		f := &rep.Findings[i]
		f.Suppression = nil
		if s := matchVEX(o.VEX, img, *f); s != nil {
			f.Suppression = s
			continue
		}
		if o.Allowlist != nil {
			if reason, ok := o.Allowlist.match(img, ids(*f)); ok {
				f.Suppression = &findings.Suppression{Kind: findings.SuppressedAllowlist, Reason: reason}
				continue
			}
		}
		if o.IgnoreUnfixed && len(f.Fix.Versions) == 0 && f.Fix.State != findings.FixAvailable {
			reason := "no fix available (--ignore-unfixed)"
			if f.Fix.State == findings.FixWontFix {
				reason = "vendor will not fix (--ignore-unfixed)"
			}
			f.Suppression = &findings.Suppression{Kind: findings.SuppressedUnfixed, Reason: reason}
		}
	}
}

// Failing returns the active findings at or above o.FailOn, or none when no
// threshold is set. Call Apply first so suppressions count.
func Failing(rep *findings.Report, o Options) []findings.Finding {
	if !o.FailOnSet {
		return nil
	}
	var out []findings.Finding
	for _, f := range rep.Active() {
		if f.Vulnerability.Severity >= o.FailOn {
			out = append(out, f)
		}
	}
	return out
}

// ids are every name the finding's vulnerability goes by, canonical first.
func ids(f findings.Finding) []string {
	out := []string{f.Key()}
	for _, id := range append([]string{f.Vulnerability.ID}, f.Vulnerability.Aliases...) {
		if id != "" && id != out[0] {
			out = append(out, id)
		}
	}
	return out
}
