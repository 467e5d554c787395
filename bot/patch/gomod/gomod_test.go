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
	t.Parallel()
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

func TestNeedsBump(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
		{"oldgo", "v0.43.0", []string{"go.mod", "go.sum"}, "golang.org/x/text v0.43.0\n", "now says `go 1.26.0`"},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			dir := patchtest.Copy(t, filepath.Join("testdata", tc.fixture))
			if tc.fixture == "vendored" {
				vendor(t, dir) // made here: no other project's source is committed
			}
			fix := patch.Fix{Ecosystem: "gomod", Package: "golang.org/x/text", From: "v0.3.5", To: tc.to}
			r, err := patch.Apply(context.Background(), New(Options{}), dir, fix)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != patch.Proposed {
				t.Fatalf("Update = %v: %s", r.Status, r.Reason)
			}
			c := r.Change
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

func TestUpdateDoesNotPropose(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		fixture, pkg, to string
		status           patch.Status
		reason           string
	}{
		{"replace", "golang.org/x/text", "0.3.8", patch.Blocked, "replace directive"},
		{"direct", "golang.org/x/text", "2.0.0", patch.Blocked, "major version"},
		{"direct", "golang.org/x/text", "0.3.4", patch.Current, ""}, // already past it
		{"indirect", "golang.org/x/text", "0.3.7", patch.Current, ""},
		{"direct", "golang.org/x/crypto", "0.31.0", patch.Absent, ""}, // only the binary has it
	} {
		t.Run(tc.fixture+"@"+tc.to, func(t *testing.T) {
			dir := patchtest.Copy(t, filepath.Join("testdata", tc.fixture))
			r, err := patch.Apply(context.Background(), New(Options{}), dir, patch.Fix{Package: tc.pkg, To: tc.to})
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != tc.status || !strings.Contains(r.Reason, tc.reason) || (tc.reason == "") != (r.Reason == "") || !r.Change.Empty() {
				t.Errorf("Update = %v %q %d files, want %v %q and no files", r.Status, r.Reason, len(r.Change.Files), tc.status, tc.reason)
			}
		})
	}
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
