package templates_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const scanAndPatch = `include:
  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/scan@$CI_COMMIT_SHA
  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/patch@$CI_COMMIT_SHA
`

// TestPatchJobRuns runs the scan job and the patch job after it: the patch
// job gets the scan's vigil-findings.json through needs, and refuses to run
// without a token it could push with.
func TestPatchJobRuns(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		inputs   string
		vars     map[string]string
		wantArgs []string // nil: vigil patch must not run
		wantLog  string
	}{
		{
			name:     "with a token",
			vars:     map[string]string{"VIGIL_GITLAB_TOKEN": "glpat-test"},
			wantArgs: []string{"patch", "--findings", "vigil-findings.json", "--min-severity", "unknown", "--target-branch", "main", "--gitlab-url", "https://gitlab.example.com", "--project", "1217"},
		},
		{
			name:     "dry run needs no token",
			inputs:   "    inputs:\n      dry-run: true\n      min-severity: high\n      target-branch: release\n",
			wantArgs: []string{"patch", "--findings", "vigil-findings.json", "--min-severity", "high", "--target-branch", "release", "--gitlab-url", "https://gitlab.example.com", "--project", "1217", "--dry-run"},
		},
		{
			name:    "no token",
			wantLog: "vigil-patch needs the CI/CD variable VIGIL_GITLAB_TOKEN",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newProject(t, map[string]string{".gitlab-ci.yml": scanAndPatch + tc.inputs})
			p.tool("vigil", fakeVigil)
			doc := p.preview(nil) // fails on a schema violation
			job := mapAt(t, doc, "vigil-patch")
			if job["allow_failure"] != true || job["resource_group"] != "vigil-patch" {
				t.Errorf("patch job must be allowed to fail and serialised: allow_failure=%v resource_group=%v", job["allow_failure"], job["resource_group"])
			}
			out, err := p.runJobs(tc.vars, "--needs", "vigil-patch")
			if err != nil {
				t.Fatalf("pipeline failed (the patch job is allowed to fail, the scan must pass): %v\n%s", err, out)
			}
			argsFile := filepath.Join(p.buildDir("vigil-patch"), "vigil-args.txt")
			if tc.wantArgs == nil {
				if _, err := os.Stat(argsFile); err == nil {
					t.Errorf("vigil patch ran without a token")
				}
				if !strings.Contains(out, tc.wantLog) {
					t.Errorf("log does not say %q:\n%s", tc.wantLog, out)
				}
				return
			}
			if got := readLines(t, argsFile); !slices.Equal(got, tc.wantArgs) {
				t.Errorf("vigil called with\n got %q\nwant %q", got, tc.wantArgs)
			}
			got, err := os.ReadFile(filepath.Join(p.buildDir("vigil-patch"), "vigil-patch-input.json"))
			if err != nil || !strings.Contains(string(got), "vigil.findings/v1") {
				t.Errorf("patch job did not get the scan's findings: %q, %v", got, err)
			}
		})
	}
}
