package findings

import "strings"

// FixState says whether a vulnerability can be fixed by upgrading.
type FixState string

// Fix states, as vigil-findings.json writes them.
const (
	FixAvailable   FixState = "fixed"
	FixUnavailable FixState = "not-fixed"
	FixWontFix     FixState = "wont-fix"
	FixUnknown     FixState = "unknown"
)

// ParseFixState normalises a fix state written by any producer (vigil,
// grype, the ledger) to one of the four states; anything else is
// FixUnknown, never an error, because a fix state only ranks findings.
func ParseFixState(s string) FixState {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "fixed", "fix-available", "fix available":
		return FixAvailable
	case "not-fixed", "fix-unavailable", "fix unavailable", "unfixed":
		return FixUnavailable
	case "wont-fix", "won't-fix", "will-not-fix", "will not be fixed":
		return FixWontFix
	}
	return FixUnknown
}

// Rank orders fix states by how actionable they are: a fix to apply first,
// then a vendor's decision, then no fix yet, then nothing known.
func (s FixState) Rank() int {
	switch s {
	case FixAvailable:
		return 3
	case FixWontFix:
		return 2
	case FixUnavailable:
		return 1
	}
	return 0
}
