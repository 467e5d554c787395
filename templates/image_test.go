package templates_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// No Docker engine runs here, so the image is checked the way BuildKit reads
// the Dockerfile: parsed and linted by BuildKit's own frontend packages.

type dockerfile struct {
	stages []instructions.Stage
	args   map[string]string // global ARG defaults
}

func parseDockerfile(t *testing.T, src []byte) dockerfile {
	t.Helper()
	ast, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		t.Fatalf("parse Dockerfile: %v", err)
	}
	for _, w := range ast.Warnings {
		t.Errorf("Dockerfile parser warning: %s", w.Short)
	}
	lint := linter.New(&linter.Config{Warn: func(rule, description, url, msg string, _ []parser.Range) {
		t.Errorf("Dockerfile check %s: %s", rule, msg)
	}})
	stages, metaArgs, err := instructions.Parse(ast.AST, lint)
	if err != nil {
		t.Fatalf("parse Dockerfile instructions: %v", err)
	}
	d := dockerfile{stages: stages, args: map[string]string{}}
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			if kv.Value != nil {
				d.args[kv.Key] = *kv.Value
			}
		}
	}
	return d
}

// base is a stage's FROM reference with the global ARG defaults substituted.
func (d dockerfile) base(s instructions.Stage) string {
	out := s.BaseName
	for k, v := range d.args {
		out = strings.ReplaceAll(out, "${"+k+"}", v)
		out = strings.ReplaceAll(out, "$"+k, v)
	}
	return out
}

func commands[T any](s instructions.Stage) []T {
	var out []T
	for _, c := range s.Commands {
		if v, ok := c.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

var secretName = regexp.MustCompile(`(?i)(token|passw(or)?d|secret|private[_-]?key|api[_-]?key|credential|auth)`)

func TestDockerfile(t *testing.T) {
	t.Parallel()
	root := moduleRoot(t)
	src, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	d := parseDockerfile(t, src)
	if len(d.stages) < 2 {
		t.Fatalf("want a multi-stage build, got %d stage(s)", len(d.stages))
	}
	build, runtime := d.stages[0], d.stages[len(d.stages)-1]

	t.Run("builder builds cmd/vigil with Go 1.26", func(t *testing.T) {
		if b := d.base(build); !strings.HasPrefix(b, "docker.io/library/golang:1.26@") {
			t.Errorf("builder FROM %s, want docker.io/library/golang:1.26@sha256:…", b)
		}
		built := false
		for _, r := range commands[*instructions.RunCommand](build) {
			line := strings.Join(r.CmdLine, " ")
			if strings.Contains(line, "go build") && strings.Contains(line, "./cmd/vigil") {
				built = true
				if !strings.Contains(line, "-X main.version=") {
					t.Errorf("go build does not stamp main.version: %s", line)
				}
			}
		}
		if !built {
			t.Error("no RUN go build … ./cmd/vigil in the builder")
		}
	})

	t.Run("runtime is small and carries vigil, CA certificates and go", func(t *testing.T) {
		if b := d.base(runtime); strings.HasPrefix(b, "golang") {
			t.Errorf("runtime FROM %s: the Go build image is not a runtime", b)
		}
		copied := map[string]string{} // path → stage it comes from
		for _, c := range commands[*instructions.CopyCommand](runtime) {
			for _, p := range c.SourcePaths {
				copied[p] = c.From
			}
		}
		if copied["/out/vigil"] != build.Name {
			t.Errorf("runtime does not copy /out/vigil from the builder (copies %v)", copied)
		}
		// The builder runs on the build machine's platform; the go command the
		// patchers run must be the image's own, from a stage of that platform.
		if from := copied["/usr/local/go"]; from == "" || from == build.Name {
			t.Errorf("runtime copies /usr/local/go from %q, want a stage of the target platform", from)
		}
		var runs string
		for _, r := range commands[*instructions.RunCommand](runtime) {
			runs += strings.Join(r.CmdLine, " ") + "\n"
		}
		for _, pkg := range []string{"ca-certificates", "curl", "unzip"} {
			if !strings.Contains(runs, pkg) {
				t.Errorf("runtime does not install %s", pkg)
			}
		}
		env := map[string]string{}
		for _, e := range commands[*instructions.EnvCommand](runtime) {
			for _, kv := range e.Env {
				env[kv.Key] = kv.Value
			}
		}
		if !slices.Contains(strings.Split(env["PATH"], ":"), "/usr/local/go/bin") {
			t.Errorf("PATH %q lacks /usr/local/go/bin: the gomod patcher cannot find go", env["PATH"])
		}
		ep := commands[*instructions.EntrypointCommand](runtime)
		if len(ep) == 0 || ep[len(ep)-1].PrependShell || ep[len(ep)-1].CmdLine[0] != "/usr/local/bin/vigil" {
			t.Errorf("ENTRYPOINT must be exec-form /usr/local/bin/vigil")
		}
	})

	t.Run("multi-platform: vigil is cross-compiled", func(t *testing.T) {
		if build.Platform != "$BUILDPLATFORM" {
			t.Errorf("builder FROM --platform=%q, want $BUILDPLATFORM (no emulation for the Go build)", build.Platform)
		}
		for _, r := range commands[*instructions.RunCommand](build) {
			if line := strings.Join(r.CmdLine, " "); strings.Contains(line, "go build") && !strings.Contains(line, "GOARCH=${TARGETARCH}") {
				t.Errorf("go build ignores TARGETARCH: %s", line)
			}
		}
	})

	t.Run("base images are fully qualified and pinned by digest", func(t *testing.T) {
		pinned := regexp.MustCompile(`^[a-z0-9.-]+\.[a-z]+/[a-z0-9._/-]+:[A-Za-z0-9._-]+@sha256:[0-9a-f]{64}$`)
		for _, s := range d.stages {
			if b := d.base(s); !pinned.MatchString(b) {
				t.Errorf("stage %s: FROM %s is not registry/repository:tag@sha256:<digest>", s.Name, b)
			}
		}
		script, err := os.ReadFile(filepath.Join(root, ".ci", "pin-base-images"))
		if err != nil || !strings.Contains(string(script), "crane digest") {
			t.Errorf(".ci/pin-base-images, which moves the digests, is missing or does not ask crane: %v", err)
		}
		for k := range d.args {
			if strings.HasSuffix(k, "_IMAGE") && !regexp.MustCompile(`(?m)^ARG `+k+`=`).Match(src) {
				t.Errorf("ARG %s is not on a line of its own, the script cannot re-pin it", k)
			}
		}
	})

	t.Run("the bot's data survives the container", func(t *testing.T) {
		env := map[string]string{}
		for _, e := range commands[*instructions.EnvCommand](runtime) {
			for _, kv := range e.Env {
				env[kv.Key] = kv.Value
			}
		}
		var volumes []string
		for _, v := range commands[*instructions.VolumeCommand](runtime) {
			volumes = append(volumes, v.Volumes...)
		}
		data := env["VIGIL_DATA"]
		if data == "" || !slices.Contains(volumes, filepath.Dir(data)) {
			t.Errorf("VIGIL_DATA %q is not inside a VOLUME %v: docker run … vigil bot loses its queue and ledger on recreate", data, volumes)
		}
	})

	t.Run("runs as a non-root user", func(t *testing.T) {
		users := commands[*instructions.UserCommand](runtime)
		if len(users) == 0 {
			t.Fatal("no USER: the image runs as root")
		}
		user, _, _ := strings.Cut(users[len(users)-1].User, ":")
		if user == "" || user == "root" || user == "0" {
			t.Errorf("USER %q is root", users[len(users)-1].User)
		}
	})

	t.Run("OCI labels", func(t *testing.T) {
		labels := map[string]string{}
		for _, l := range commands[*instructions.LabelCommand](runtime) {
			for _, kv := range l.Labels {
				labels[kv.Key] = strings.Trim(kv.Value, `"`)
			}
		}
		for _, k := range []string{"title", "description", "source", "version", "revision", "vendor", "created", "licenses"} {
			if labels["org.opencontainers.image."+k] == "" {
				t.Errorf("label org.opencontainers.image.%s missing", k)
			}
		}
		if labels["org.opencontainers.image.version"] != "${VERSION}" || labels["org.opencontainers.image.revision"] != "${REVISION}" || labels["org.opencontainers.image.created"] != "${CREATED}" {
			t.Errorf("version and revision labels must come from build args: %v", labels)
		}
	})

	t.Run("health check asks the bot", func(t *testing.T) {
		hc := commands[*instructions.HealthCheckCommand](runtime)
		if len(hc) != 1 {
			t.Fatalf("want one HEALTHCHECK, got %d", len(hc))
		}
		test := strings.Join(hc[0].Health.Test, " ")
		if !strings.HasPrefix(test, "CMD") || !strings.Contains(test, "/healthz") {
			t.Errorf("HEALTHCHECK %q does not request /healthz", test)
		}
		// The bot listens where VIGIL_LISTEN says; a fixed port would report a
		// healthy bot on another port as dead.
		if !strings.Contains(test, "${VIGIL_LISTEN##*:}") {
			t.Errorf("HEALTHCHECK %q does not follow VIGIL_LISTEN", test)
		}
		if hc[0].Health.Interval == 0 || hc[0].Health.Timeout == 0 {
			t.Errorf("HEALTHCHECK without interval or timeout")
		}
	})

	t.Run("no secrets baked in", func(t *testing.T) {
		for _, s := range d.stages {
			for _, e := range commands[*instructions.EnvCommand](s) {
				for _, kv := range e.Env {
					if secretName.MatchString(kv.Key) {
						t.Errorf("stage %s: ENV %s looks like a secret", s.Name, kv.Key)
					}
				}
			}
			for _, a := range commands[*instructions.ArgCommand](s) {
				for _, kv := range a.Args {
					if secretName.MatchString(kv.Key) {
						t.Errorf("stage %s: ARG %s looks like a secret", s.Name, kv.Key)
					}
				}
			}
			for _, c := range commands[*instructions.CopyCommand](s) {
				for _, p := range c.SourcePaths {
					if regexp.MustCompile(`(?i)(\.netrc|id_rsa|\.env$|\.docker/config|\.npmrc|credentials)`).MatchString(p) {
						t.Errorf("stage %s copies %s", s.Name, p)
					}
				}
			}
		}
		for k := range d.args {
			if secretName.MatchString(k) {
				t.Errorf("global ARG %s looks like a secret", k)
			}
		}
	})
}

// TestDockerignore keeps the build context small without dropping what the
// build reads. dockerignore patterns are anchored at the context root and
// match a path or any of its parents.
func TestDockerignore(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join(moduleRoot(t), ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, line)
		}
	}
	ignored := func(path string) bool {
		for _, p := range patterns {
			if strings.HasPrefix(p, "!") {
				continue
			}
			if rest, ok := strings.CutPrefix(p, "**/"); ok {
				for _, part := range strings.Split(path, "/") {
					if ok, _ := filepath.Match(rest, part); ok {
						return true
					}
				}
				continue
			}
			for dir := path; dir != "."; dir = filepath.Dir(dir) {
				if ok, _ := filepath.Match(p, dir); ok {
					return true
				}
			}
		}
		return false
	}
	for _, keep := range []string{"go.mod", "go.sum", "cmd/vigil/main.go", "internal/findings/report.go", "docs/vigil-findings.schema.json", "ci/actions/publish.go", "bot"} {
		if ignored(keep) {
			t.Errorf("%s is excluded from the build context", keep)
		}
	}
	for _, drop := range []string{".git/HEAD", ".cache/npm/node_modules/x", "testdata/vulndata/x.json", "ci/actions/testdata/fuzz/x", "vigil"} {
		if !ignored(drop) {
			t.Errorf("%s is sent to the builder", drop)
		}
	}
}
