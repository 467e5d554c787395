package templates_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// dockerRunsVigil stands in for `docker run … IMAGE scan`: it keeps only
// the variables the action passes with --env, enters --workdir and runs the
// real vigil there, as the container would.
const dockerRunsVigil = `#!/bin/bash
set -euo pipefail
args=("$@")
envs=("PATH=$PATH")
wd=.
i=1
while [ "$i" -lt "${#args[@]}" ]; do
  case "${args[$i]}" in
    --rm) ;;
    --user|--volume|--group-add) i=$((i+1)) ;;
    --workdir) i=$((i+1)); wd=${args[$i]} ;;
    --env) i=$((i+1)); kv=${args[$i]}
      case "$kv" in *=*) envs+=("$kv") ;; *) envs+=("$kv=${!kv-}") ;; esac ;;
    *) break ;;
  esac
  i=$((i+1))
done
cd "$wd"
exec env -i "${envs[@]}" vigil "${args[@]:$((i+1))}"
`

// TestActionStepWithRealVigil runs the action's step script with the
// environment a GitHub runner gives it (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY,
// GITHUB_WORKSPACE, RUNNER_TEMP, GITHUB_ACTION_REF) and the real vigil in
// place of the container: outputs, job summary, annotations and a SARIF
// log that validates against the SARIF 2.1.0 schema.
func TestActionStepWithRealVigil(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not on PATH")
	}
	vigilBin, db := realVigil(t)
	workspace, temp, bin := t.TempDir(), t.TempDir(), t.TempDir()
	tag, _ := name.NewTag("ghcr.io/acme/app:1.0")
	if err := tarball.WriteToFile(filepath.Join(workspace, "app.tar"), tag, demoImage(t)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "docker"), []byte(dockerRunsVigil), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(vigilBin, filepath.Join(bin, "vigil")); err != nil {
		t.Fatal(err)
	}
	outputs, summary := filepath.Join(temp, "output"), filepath.Join(temp, "summary.md")
	for _, f := range []string{outputs, summary} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a := loadAction(t)
	step := a.Runs.Steps[0]
	given := map[string]string{"image": "docker-archive:app.tar", "fail-on": "high", "db": db, "cache-dir": ".cache/vigil"}
	env := []string{"PATH=" + bin + ":" + os.Getenv("PATH"), "GITHUB_WORKSPACE=" + workspace, "RUNNER_TEMP=" + temp,
		"GITHUB_ACTIONS=true", "GITHUB_OUTPUT=" + outputs, "GITHUB_STEP_SUMMARY=" + summary, "GITHUB_ACTION_REF=v1",
		"GITHUB_REPOSITORY=acme/app", "GITHUB_SHA=0123abcd", "GITHUB_SERVER_URL=https://github.com", "GITHUB_RUN_ID=7"}
	for k, v := range step.Env {
		v = expression.ReplaceAllStringFunc(v, func(e string) string {
			in := expression.FindStringSubmatch(e)[1]
			if val, ok := given[in]; ok {
				return val
			}
			if d := a.Inputs[in].Default; d != nil {
				return *d
			}
			return ""
		})
		env = append(env, k+"="+v)
	}
	cmd := exec.Command("bash", "-c", step.Run)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("step with fail-on high: %v, want exit 1 (the gate)\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}

	out, _ := os.ReadFile(outputs)
	sarifPath := filepath.Join(workspace, "vigil-reports", "vigil.sarif")
	for _, want := range []string{"result<<", "\nfail\n", "high<<", "sarif-file<<", "vigil-reports/vigil.sarif", "cyclonedx<<"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("GITHUB_OUTPUT lacks %q:\n%s", want, out)
		}
	}
	if s, _ := os.ReadFile(summary); !strings.Contains(string(s), "CVE-2022-32149") {
		t.Errorf("job summary lacks the x/text finding:\n%s", s)
	}
	if !strings.Contains(stdout.String(), "::error title=High CVE-2022-32149") {
		t.Errorf("no error annotation for the failing x/text finding:\n%s", stdout.String())
	}
	if _, err := os.Stat(filepath.Join(workspace, ".cache", "vigil", "vigil")); err != nil {
		t.Errorf("cache-dir holds no vigil cache for actions/cache: %v", err)
	}
	validateSARIF(t, sarifPath)
}

func validateSARIF(t *testing.T, path string) {
	t.Helper()
	c := jsonschema.NewCompiler()
	schema, err := c.Compile(filepath.Join(moduleRoot(t), "ci", "report", "testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Fatalf("%s does not validate against SARIF 2.1.0: %v", path, err)
	}
}
