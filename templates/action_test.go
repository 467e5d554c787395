package templates_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/sethvargo/go-githubactions"
	"gopkg.in/yaml.v3"

	"gitlab.com/vigil-vm/vigil/ci/actions"
)

type actionFile struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Author      string `yaml:"author"`
	Branding    struct {
		Icon  string `yaml:"icon"`
		Color string `yaml:"color"`
	} `yaml:"branding"`
	Inputs map[string]struct {
		Description string  `yaml:"description"`
		Required    bool    `yaml:"required"`
		Default     *string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Description string `yaml:"description"`
		Value       string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			ID    string            `yaml:"id"`
			Shell string            `yaml:"shell"`
			Env   map[string]string `yaml:"env"`
			Run   string            `yaml:"run"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

func loadAction(t *testing.T) actionFile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(moduleRoot(t), "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	return a
}

var expression = regexp.MustCompile(`\$\{\{\s*inputs\.([\w-]+)\s*\}\}`)

// TestActionMetadata checks action.yml against what GitHub requires and
// against the outputs ci/actions.Publish sets.
func TestActionMetadata(t *testing.T) {
	t.Parallel()
	a := loadAction(t)
	if a.Name == "" || a.Description == "" {
		t.Error("action.yml needs a name and a description")
	}
	if a.Runs.Using != "composite" || len(a.Runs.Steps) != 1 || a.Runs.Steps[0].ID != "scan" || a.Runs.Steps[0].Shell != "bash" {
		t.Fatalf("want one composite bash step with id scan, got %+v", a.Runs)
	}
	for name, in := range a.Inputs {
		if in.Description == "" {
			t.Errorf("input %s has no description", name)
		}
		if !in.Required && in.Default == nil {
			t.Errorf("optional input %s has no default", name)
		}
	}
	if !a.Inputs["image"].Required {
		t.Error("input image must be required")
	}

	want := append(actions.OutputNames(), actions.ReportFindings, actions.ReportContainerScanning, actions.ReportCycloneDX, actions.ReportSummary, actions.ReportSARIF)
	var got []string
	for name, out := range a.Outputs {
		got = append(got, name)
		if out.Value != "${{ steps.scan.outputs."+name+" }}" {
			t.Errorf("output %s = %q, want the scan step's output", name, out.Value)
		}
		if out.Description == "" {
			t.Errorf("output %s has no description", name)
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("outputs %v, want what Publish sets: %v", got, want)
	}

	step := a.Runs.Steps[0]
	if strings.Contains(step.Run, "${{") {
		t.Error("expressions in run: inputs must reach the script through env")
	}
	for _, v := range step.Env {
		for _, m := range expression.FindAllStringSubmatch(v, -1) {
			if _, ok := a.Inputs[m[1]]; !ok {
				t.Errorf("env uses undeclared input %s", m[1])
			}
		}
	}
}

// TestActionPassesInputs runs the action's script with a stand-in docker and
// reads the container's INPUT_* variables back through ci/actions.Inputs, as
// vigil does inside the container.
func TestActionPassesInputs(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not on PATH")
	}
	a := loadAction(t)
	step := a.Runs.Steps[0]
	given := map[string]string{
		"image":             "ghcr.io/acme/app@sha256:0123",
		"fail-on":           "High",
		"ignore-unfixed":    "true",
		"allowlist":         "security/allow list.yml",
		"vex":               "vex.json",
		"sbom-format":       "cyclonedx,spdx",
		"platform":          "linux/arm64",
		"db":                "",
		"registry-username": "octocat",
		"registry-password": `pa$$ "word"`,
		"cache-dir":         ".cache/vigil",
	}
	workspace, temp, bin := t.TempDir(), t.TempDir(), t.TempDir()
	record := filepath.Join(temp, "docker-args")
	if err := os.WriteFile(filepath.Join(bin, "docker"), []byte("#!/bin/sh\nprintf '%s\\0' \"$@\" > \""+record+"\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + bin + ":" + os.Getenv("PATH"), "GITHUB_WORKSPACE=" + workspace, "RUNNER_TEMP=" + temp, "GITHUB_ACTION_REF=v1.2"}
	for k, v := range step.Env {
		v = expression.ReplaceAllStringFunc(v, func(e string) string {
			name := expression.FindStringSubmatch(e)[1]
			if val, ok := given[name]; ok {
				return val
			}
			if d := a.Inputs[name].Default; d != nil {
				return *d
			}
			return ""
		})
		env = append(env, k+"="+v)
	}
	cmd := exec.Command("bash", "-c", step.Run)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("action script: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	args := strings.Split(strings.TrimSuffix(string(raw), "\x00"), "\x00")
	// Used as vigil-vm/vigil@v1.2, the action runs the vigil image of that release.
	if args[0] != "run" || args[len(args)-2] != "registry.gitlab.com/vigil-vm/vigil:1.2" || args[len(args)-1] != "scan" {
		t.Fatalf("docker %q", args)
	}
	container := map[string]string{}
	passed := map[string]bool{}
	for i, arg := range args {
		if arg == "--env" && i+1 < len(args) {
			k, v, ok := strings.Cut(args[i+1], "=")
			if ok {
				container[k] = v
			}
			passed[k] = true
		}
	}
	for _, k := range []string{"GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS", "CS_REGISTRY_USER", "CS_REGISTRY_PASSWORD"} {
		if !passed[k] {
			t.Errorf("%s is not passed into the container", k)
		}
	}
	if !slices.Contains(args, temp+":"+temp) || !slices.Contains(args, workspace+":"+workspace) {
		t.Errorf("workspace and runner temp (output files) are not mounted: %q", args)
	}
	in, err := actions.Inputs(githubactions.New(githubactions.WithGetenv(func(k string) string { return container[k] })))
	if err != nil {
		t.Fatal(err)
	}
	want := actions.ScanInputs{Image: "ghcr.io/acme/app@sha256:0123", FailOn: "high", IgnoreUnfixed: true, Allowlist: "security/allow list.yml",
		VEX: "vex.json", OutputDir: "vigil-reports", SBOMFormats: "cyclonedx,spdx", Platform: "linux/arm64"}
	if in != want {
		t.Errorf("vigil would read\n %+v\nwant\n %+v", in, want)
	}
	if container["XDG_CACHE_HOME"] != filepath.Join(workspace, ".cache/vigil") {
		t.Errorf("cache-dir: XDG_CACHE_HOME=%q in the container, want the workspace directory actions/cache keeps", container["XDG_CACHE_HOME"])
	}
	if _, err := os.Stat(filepath.Join(workspace, "vigil-reports")); err != nil {
		t.Errorf("output directory not created: %v", err)
	}
}
