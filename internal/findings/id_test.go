package findings

import "testing"

func TestDisplayID(t *testing.T) {
	for _, tc := range []struct {
		id      string
		aliases []string
		want    string
	}{
		{"GO-2022-1059", []string{"GHSA-69ch-w2m2-3vjp", "CVE-2022-32149"}, "CVE-2022-32149"},
		{"GO-2024-2611", []string{"GHSA-8r3f-844c-mc37"}, "GHSA-8r3f-844c-mc37"},
		{"26dd2d325b634bd18ce2c7f2e0f7dd2a", []string{"sonatype-2024-0946"}, "sonatype-2024-0946"},
		{"fc79306c-cbe4-47bd-80a9-d2610a560930", nil, "fc79306c-cbe4-47bd-80a9-d2610a560930"}, // nothing better
		{"TEMP-0841856-B18BAF", nil, "TEMP-0841856-B18BAF"},
	} {
		if got := DisplayID(tc.id, tc.aliases); got != tc.want {
			t.Errorf("DisplayID(%q, %v) = %q, want %q", tc.id, tc.aliases, got, tc.want)
		}
	}
	// The fingerprint's id is unchanged by the display choice.
	if got := CanonicalID("GO-2024-2611", []string{"GHSA-8r3f-844c-mc37"}); got != "GO-2024-2611" {
		t.Errorf("CanonicalID = %q", got)
	}
}

func TestParseFixState(t *testing.T) {
	for in, want := range map[string]FixState{"fixed": FixAvailable, " Not-Fixed ": FixUnavailable, "wont-fix": FixWontFix, "": FixUnknown, "maybe": FixUnknown} {
		if got := ParseFixState(in); got != want {
			t.Errorf("ParseFixState(%q) = %q, want %q", in, got, want)
		}
	}
	if FixAvailable.Rank() <= FixWontFix.Rank() || FixWontFix.Rank() <= FixUnavailable.Rank() || FixUnavailable.Rank() <= FixUnknown.Rank() {
		t.Error("fix states are not ranked by how actionable they are")
	}
}
