package templates_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// The tests drive gitlab-ci-local, the real peer: it interpolates `spec:
// inputs`, resolves `include: component:` for the project's own commit,
// validates the merged pipeline against GitLab's CI JSON schema and runs jobs
// with a shell executor.

const remoteURL = "https://gitlab.example.com/vigil-vm/vigil.git"

// moduleRoot is the directory holding go.mod, found upwards from the test's
// working directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// missing skips the test on a workstation and fails it in CI, where the
// pipeline installs the tools the tests need.
func missing(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// gitlabCILocal locates the gitlab-ci-local executable: $VIGIL_GITLAB_CI_LOCAL,
// else the bundle .ci/test makes of the copy it installs under the module
// root (src/index.cjs beside the package's src/index.js, so that the bundled
// CI schema is found beside it too).
func gitlabCILocal(t *testing.T) string {
	t.Helper()
	p := os.Getenv("VIGIL_GITLAB_CI_LOCAL")
	if p == "" {
		p = filepath.Join(moduleRoot(t), ".cache", "npm", "node_modules", "gitlab-ci-local", "src", "index.cjs")
	}
	if _, err := os.Stat(p); err != nil {
		missing(t, "gitlab-ci-local not found at %s (bash .ci/test installs and bundles it): %v", p, err)
	}
	for _, tool := range []string{"node", "git"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing(t, "%s not on PATH: %v", tool, err)
		}
	}
	return p
}

// project is a throw-away git repository with the components under
// templates/, an origin remote and one commit, so that
// `$CI_SERVER_FQDN/$CI_PROJECT_PATH/<name>@$CI_COMMIT_SHA` names its own
// components.
type project struct {
	t    *testing.T
	exe  string
	dir  string
	home string
	bin  string // prepended to PATH for jobs
	// validated: the merged configuration matched GitLab's CI schema once,
	// so later runs skip gitlab-ci-local's own check (a third of its CPU).
	// Variables do not change the merged configuration of these pipelines
	// (no include rules), and the files do not change after newProject.
	validated bool
}

func newProject(t *testing.T, files map[string]string) *project {
	t.Helper()
	p := &project{t: t, exe: gitlabCILocal(t), dir: t.TempDir(), home: t.TempDir(), bin: t.TempDir()}
	src, err := filepath.Glob(filepath.Join(moduleRoot(t), "templates", "*.yml"))
	if err != nil || len(src) == 0 {
		t.Fatalf("no components found: %v", err)
	}
	for _, f := range src {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p.write(filepath.Join("templates", filepath.Base(f)), string(b))
	}
	for name, content := range files {
		p.write(name, content)
	}
	p.git("init", "-q", "-b", "main")
	p.git("remote", "add", "origin", remoteURL)
	p.git("add", "-A")
	p.git("-c", "user.name=vigil test", "-c", "user.email=test@vigil.invalid", "commit", "-q", "-m", "fixture")
	return p
}

func (p *project) write(name, content string) {
	p.t.Helper()
	path := filepath.Join(p.dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		p.t.Fatal(err)
	}
}

func (p *project) git(args ...string) {
	p.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = p.dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		p.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// tool installs an executable script on the jobs' PATH.
func (p *project) tool(name, script string) {
	p.t.Helper()
	if err := os.WriteFile(filepath.Join(p.bin, name), []byte(script), 0o755); err != nil {
		p.t.Fatal(err)
	}
}

// gcl runs gitlab-ci-local in the project and returns stdout, stderr and
// whether it exited zero.
func (p *project) gcl(vars map[string]string, args ...string) (string, string, error) {
	p.t.Helper()
	full := []string{"--home", p.home}
	if p.validated {
		full = append(full, "--json-schema-validation=false")
	}
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		full = append(full, "--variable", k+"="+vars[k])
	}
	cmd := exec.Command(p.exe, append(full, args...)...)
	cmd.Dir = p.dir
	cmd.Env = []string{
		"PATH=" + p.bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + p.home,
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_CONFIG_NOSYSTEM=1",
		"FORCE_COLOR=0",
		"NO_COLOR=1",
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err == nil {
		p.validated = true
	}
	return stdout.String(), stderr.String(), err
}

// preview returns the merged pipeline after includes and inputs, as
// gitlab-ci-local (and GitLab) see it. It fails the test when gitlab-ci-local
// rejects the configuration or it does not match GitLab's CI schema (the one
// gitlab-ci-local bundles, checked here instead of by it).
func (p *project) preview(vars map[string]string) map[string]any {
	p.t.Helper()
	p.validated = true // below, on what it prints
	out, errOut, err := p.gcl(vars, "--preview")
	if err != nil {
		p.t.Fatalf("gitlab-ci-local --preview: %v\nstdout:\n%s\nstderr:\n%s", err, out, errOut)
	}
	doc := parsePreview(p.t, out)
	if err := validate(ciSchema(p.t), doc); err != nil {
		p.t.Fatalf("merged pipeline does not match GitLab's CI schema: %v", err)
	}
	return doc
}

// previewError returns gitlab-ci-local's complaint about a configuration it
// must reject, its schema check included.
func (p *project) previewError(vars map[string]string) string {
	p.t.Helper()
	p.validated = false
	out, errOut, err := p.gcl(vars, "--preview")
	if err == nil {
		p.t.Fatalf("gitlab-ci-local accepted the configuration:\n%s", out)
	}
	return out + errOut
}

func parsePreview(t *testing.T, out string) map[string]any {
	t.Helper()
	// Warnings precede the document on stdout.
	i := strings.Index(out, "---\n")
	if i < 0 {
		t.Fatalf("no YAML document in preview output:\n%s", out)
	}
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(out[i:]), &doc); err != nil {
		t.Fatalf("parse preview: %v\n%s", err, out)
	}
	return doc
}

// runJobs runs jobs with the shell executor, each in its own build directory
// (.gitlab-ci-local/builds/<job>) with its artifacts exported to
// .gitlab-ci-local/artifacts/<job>.
func (p *project) runJobs(vars map[string]string, jobs ...string) (string, error) {
	p.t.Helper()
	args := append([]string{"--force-shell-executor", "--shell-isolation", "--no-artifacts-to-source"}, jobs...)
	out, errOut, err := p.gcl(vars, args...)
	return out + errOut, err
}

// jobFailed tells from gitlab-ci-local's summary whether job failed. Its own
// exit status counts any job with allow_failure set as passed, whatever
// exit_codes says, while its summary marks an exit code outside exit_codes
// FAIL (and an allowed one WARN), as GitLab does.
func jobFailed(out, job string) bool {
	return regexp.MustCompile(`(?m)^\s*FAIL\s+` + regexp.QuoteMeta(job) + `(\s|$)`).MatchString(out)
}

// jobWarned tells whether job failed with an exit code allow_failure allows.
func jobWarned(out, job string) bool {
	return regexp.MustCompile(`(?m)^\s*WARN\s+` + regexp.QuoteMeta(job) + `(\s|$)`).MatchString(out)
}

func (p *project) buildDir(job string) string {
	return filepath.Join(p.dir, ".gitlab-ci-local", "builds", job)
}

func (p *project) artifactDir(job string) string {
	return filepath.Join(p.dir, ".gitlab-ci-local", "artifacts", job)
}

// ciSchema is GitLab's CI JSON schema as bundled by gitlab-ci-local, loaded
// through node from the package's own module once per process (the tests
// only validate against it).
func ciSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	exe := gitlabCILocal(t)
	ciSchemaOnce.Do(func() { ciSchemaOnce.s, ciSchemaOnce.err = loadCISchema(exe) })
	if ciSchemaOnce.err != nil {
		t.Fatal(ciSchemaOnce.err)
	}
	return ciSchemaOnce.s
}

var ciSchemaOnce struct {
	sync.Once
	s   *jsonschema.Schema
	err error
}

func loadCISchema(exe string) (*jsonschema.Schema, error) {
	bin, err := filepath.EvalSymlinks(exe)
	if err != nil {
		return nil, err
	}
	module := filepath.Join(filepath.Dir(bin), "schema", "schema.js")
	if _, err := os.Stat(module); err != nil {
		return nil, fmt.Errorf("gitlab-ci-local's schema module: %w", err)
	}
	u := url.URL{Scheme: "file", Path: module}
	cmd := exec.Command("node", "--input-type=module", "-e",
		"const m = await import(process.argv[1]); process.stdout.write(JSON.stringify(m.schema));", u.String())
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("read the bundled CI schema: %w", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	const id = "https://gitlab.com/.gitlab-ci.yml"
	if err := c.AddResource(id, doc); err != nil {
		return nil, err
	}
	s, err := c.Compile(id)
	if err != nil {
		return nil, fmt.Errorf("compile the bundled CI schema: %w", err)
	}
	return s, nil
}

// validate checks a YAML document (already decoded) against the CI schema.
func validate(s *jsonschema.Schema, doc any) error {
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return err
	}
	return s.Validate(v)
}

// Accessors for decoded YAML.

func mapAt(t *testing.T, v any, path ...string) map[string]any {
	t.Helper()
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%v: not a mapping at %q", path, k)
		}
		v = m[k]
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%v: want a mapping, got %T (%v)", path, v, v)
	}
	return m
}

func stringList(t *testing.T, v any) []string {
	t.Helper()
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				t.Fatalf("want strings, got %T in %v", e, v)
			}
			out[i] = s
		}
		return out
	}
	t.Fatalf("want a string or a list of strings, got %T (%v)", v, v)
	return nil
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimRight(string(b), "\n"), "\n")
}

// listJobs returns the jobs gitlab-ci-local would run with vars set, after
// rules: the first column of `--list`.
func (p *project) listJobs(vars map[string]string) []string {
	p.t.Helper()
	out, errOut, err := p.gcl(vars, "--list")
	if err != nil {
		p.t.Fatalf("gitlab-ci-local --list: %v\n%s%s", err, out, errOut)
	}
	var jobs []string
	header := false
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
		case f[0] == "name":
			header = true
		case header:
			jobs = append(jobs, f[0])
		}
	}
	return jobs
}
