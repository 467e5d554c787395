package gomod

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/vigil-vm/vigil/bot/patch"
	"gitlab.com/vigil-vm/vigil/bot/patch/patchtest"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

func TestHandles(t *testing.T) {
	p := New(Options{})
	for _, tc := range []struct {
		pkg  findings.Package
		want bool
	}{
		{findings.Package{Name: "golang.org/x/text", Type: "go-module"}, true},
		{findings.Package{Name: "golang.org/x/text", PURL: "pkg:golang/golang.org/x/text@v0.3.5"}, true},
		{findings.Package{Name: "stdlib", Type: "go-module"}, false},
		{findings.Package{Name: "minimist", Type: "npm"}, false},
	} {
		if got := p.Handles(findings.Finding{Package: tc.pkg}); got != tc.want {
			t.Errorf("Handles(%+v) = %v, want %v", tc.pkg, got, tc.want)
		}
	}
}

func TestExtract(t *testing.T) {
	for _, tc := range []struct {
		fixture string
		want    patch.Dependency
	}{
		{"direct", patch.Dependency{Manifest: "go.mod", Name: "golang.org/x/text", Version: "v0.3.5"}},
		{"indirect", patch.Dependency{Manifest: "go.mod", Name: "golang.org/x/text", Version: "v0.3.7", Indirect: true}},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			deps, err := New(Options{}).Extract(context.Background(), filepath.Join("testdata", tc.fixture))
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range deps {
				if d == tc.want {
					return
				}
			}
			t.Errorf("Extract = %+v, want it to contain %+v", deps, tc.want)
		})
	}
}

func TestBumpRequire(t *testing.T) {
	for _, tc := range []struct{ fixture, want string }{
		{"direct", "require golang.org/x/text v0.3.8\n"},
		{"indirect", "require golang.org/x/text v0.3.8 // indirect\n"},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.fixture, "go.mod"))
			if err != nil {
				t.Fatal(err)
			}
			out, err := bumpRequire("go.mod", data, "golang.org/x/text", "v0.3.8")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(out), tc.want) {
				t.Errorf("bumped go.mod:\n%s\nwant a line %q", out, tc.want)
			}
		})
	}
}

func TestNeedsBump(t *testing.T) {
	for _, tc := range []struct {
		name, gomod, to string
		need            bool
		skip            string
	}{
		{"older", "module m\nrequire golang.org/x/text v0.3.5\n", "v0.3.8", true, ""},
		{"already fixed", "module m\nrequire golang.org/x/text v0.3.8\n", "v0.3.8", false, ""},
		{"not required", "module m\nrequire golang.org/x/net v0.1.0\n", "v0.3.8", false, ""},
		{"replace pins", "module m\nrequire golang.org/x/text v0.3.5\nreplace golang.org/x/text => ./text\n", "v0.3.8", false, "replace directive"},
		{"major version", "module m\nrequire golang.org/x/text v0.3.5\n", "v1.0.1", false, "major version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := parseGoMod("go.mod", []byte(tc.gomod))
			if err != nil {
				t.Fatal(err)
			}
			need, skip := needsBump("go.mod", f, "golang.org/x/text", tc.to)
			if need != tc.need || !strings.Contains(skip, tc.skip) || (tc.skip == "") != (skip == "") {
				t.Errorf("needsBump = %v, %q; want %v, %q", need, skip, tc.need, tc.skip)
			}
		})
	}
}

// TestUpdate runs the real go command; modules come from the shared module
// cache or the Go module proxy.
func TestUpdate(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	for _, tc := range []struct {
		fixture   string
		to        string
		wantFiles []string
		wantInMod string
		wantNote  string
	}{
		{"direct", "0.3.8", []string{"go.mod", "go.sum"}, "golang.org/x/text v0.3.8\n", ""},
		{"indirect", "0.3.8", []string{"go.mod", "go.sum"}, "golang.org/x/text v0.3.8 // indirect\n", ""},
		{"vendored", "0.3.8", []string{"go.mod", "go.sum", "vendor/modules.txt"}, "golang.org/x/text v0.3.8\n", ""},
		{"oldgo", "v0.43.0", []string{"go.mod", "go.sum"}, "golang.org/x/text v0.43.0\n", "requires go 1.26.0"},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			dir := patchtest.Copy(t, filepath.Join("testdata", tc.fixture))
			if tc.fixture == "vendored" {
				vendor(t, dir) // made here: no other project's source is committed
			}
			fix := patch.Fix{Ecosystem: "gomod", Package: "golang.org/x/text", From: "v0.3.5", To: tc.to}
			c, err := New(Options{}).Update(context.Background(), dir, fix)
			if err != nil {
				t.Fatal(err)
			}
			if c.Skipped != "" {
				t.Fatalf("skipped: %s", c.Skipped)
			}
			for _, f := range tc.wantFiles {
				if _, ok := c.Files[f]; !ok {
					t.Errorf("change lacks %s; has %v", f, patchtest.Keys(c.Files))
				}
			}
			if !strings.Contains(string(c.Files["go.mod"]), tc.wantInMod) {
				t.Errorf("go.mod:\n%s\nwant %q", c.Files["go.mod"], tc.wantInMod)
			}
			if !strings.Contains(string(c.Files["go.sum"]), "golang.org/x/text "+canonical(tc.to)+" h1:") {
				t.Errorf("go.sum lacks the new version's hash:\n%s", c.Files["go.sum"])
			}
			if got := strings.Join(c.Notes, "\n"); !strings.Contains(got, tc.wantNote) || (tc.wantNote == "") != (got == "") {
				t.Errorf("notes = %q, want %q", got, tc.wantNote)
			}
			// The user-visible proof: the patched module builds from its
			// own go.sum without touching go.mod.
			build := exec.Command("go", "build", "-o", os.DevNull, ".")
			build.Dir = dir
			build.Env = append(os.Environ(), "GOFLAGS=-mod="+map[bool]string{true: "vendor", false: "readonly"}[tc.fixture == "vendored"], "GOWORK=off", "GOTOOLCHAIN=local")
			if out, err := build.CombinedOutput(); err != nil {
				t.Errorf("patched module does not build: %v\n%s", err, out)
			}
		})
	}
}

func TestUpdateSkips(t *testing.T) {
	for _, tc := range []struct{ fixture, to, want string }{
		{"replace", "0.3.8", "replace directive"},
		{"direct", "2.0.0", "major version"},
		{"direct", "0.3.4", ""}, // already past it: Current
		{"indirect", "0.3.7", ""},
	} {
		t.Run(tc.fixture+"@"+tc.to, func(t *testing.T) {
			dir := patchtest.Copy(t, filepath.Join("testdata", tc.fixture))
			c, err := New(Options{}).Update(context.Background(), dir, patch.Fix{Package: "golang.org/x/text", To: tc.to})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(c.Skipped, tc.want) || !c.Empty() || c.Current != (tc.want == "") {
				t.Errorf("Update = %+v, want skipped %q (current when empty) and no files", c, tc.want)
			}
		})
	}
}

func FuzzBumpRequire(f *testing.F) {
	for _, fx := range []string{"direct", "indirect", "replace"} {
		if b, err := os.ReadFile(filepath.Join("testdata", fx, "go.mod")); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := bumpRequire("go.mod", data, "golang.org/x/text", "v0.3.8")
		if err != nil {
			return
		}
		g, err := parseGoMod("go.mod", out)
		if err != nil {
			t.Fatalf("bumped go.mod does not parse: %v\n%s", err, out)
		}
		for _, r := range g.Require {
			if r.Mod.Path == "golang.org/x/text" && r.Mod.Version != "v0.3.8" {
				t.Fatalf("requirement left at %s", r.Mod.Version)
			}
		}
	})
}

// vendor runs the real `go mod vendor` in dir, as the project would have.
func vendor(t *testing.T, dir string) {
	t.Helper()
	cmd := exec.Command("go", "mod", "vendor")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOTOOLCHAIN=local", "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go mod vendor: %v\n%s", err, out)
	}
}
