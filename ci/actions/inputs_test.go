package actions_test

import (
	"strings"
	"testing"

	"github.com/sethvargo/go-githubactions"

	"gitlab.com/vigil-vm/vigil/ci/actions"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

func withInputs(env map[string]string) *githubactions.Action {
	return githubactions.New(githubactions.WithGetenv(func(k string) string { return env[k] }))
}

func TestInputs(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want actions.ScanInputs
		err  string
	}{
		{name: "none given", env: map[string]string{}, want: actions.ScanInputs{}},
		{
			name: "all given",
			env: map[string]string{
				"INPUT_IMAGE": " ghcr.io/acme/app:1 ", "INPUT_FAIL-ON": "HIGH", "INPUT_IGNORE-UNFIXED": "true",
				"INPUT_ALLOWLIST": ".vigil/allowlist.yml", "INPUT_VEX": "vex.json", "INPUT_OUTPUT-DIR": "reports",
				"INPUT_DB": "/opt/db", "INPUT_SBOM-FORMAT": "cyclonedx,spdx", "INPUT_PLATFORM": "linux/arm64",
			},
			want: actions.ScanInputs{Image: "ghcr.io/acme/app:1", FailOn: "high", IgnoreUnfixed: true, Allowlist: ".vigil/allowlist.yml",
				VEX: "vex.json", OutputDir: "reports", DB: "/opt/db", SBOMFormats: "cyclonedx,spdx", Platform: "linux/arm64"},
		},
		{name: "no gate", env: map[string]string{"INPUT_FAIL-ON": "none", "INPUT_IGNORE-UNFIXED": "false"}, want: actions.ScanInputs{}},
		{name: "GitLab's word for negligible", env: map[string]string{"INPUT_FAIL-ON": "info"}, want: actions.ScanInputs{FailOn: "negligible"}},
		{name: "misspelt severity", env: map[string]string{"INPUT_FAIL-ON": "hihg"}, err: "read input fail-on"},
		{name: "not a boolean", env: map[string]string{"INPUT_IGNORE-UNFIXED": "sometimes"}, err: "read input ignore-unfixed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := actions.Inputs(withInputs(tc.env))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Inputs() = %+v\nwant       %+v", got, tc.want)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	for value, want := range map[string]bool{"true": true, "": false, "false": false} {
		env := map[string]string{"GITHUB_ACTIONS": value}
		if got := actions.Detect(func(k string) string { return env[k] }); got != want {
			t.Errorf("GITHUB_ACTIONS=%q: Detect() = %v", value, got)
		}
	}
}

func FuzzInputs(f *testing.F) {
	f.Add("high", "true")
	f.Add("none", "")
	f.Add("Critical ", "0")
	f.Fuzz(func(t *testing.T, failOn, unfixed string) {
		in, err := actions.Inputs(withInputs(map[string]string{"INPUT_FAIL-ON": failOn, "INPUT_IGNORE-UNFIXED": unfixed}))
		if err != nil {
			return
		}
		if in.FailOn != "" {
			sev, err := findings.ParseSeverity(in.FailOn)
			if err != nil || strings.ToLower(sev.String()) != in.FailOn {
				t.Fatalf("fail-on %q read as %q", failOn, in.FailOn)
			}
		}
	})
}
