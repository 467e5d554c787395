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
)

// A small service nobody here wrote: gin v1.6.0 with a 2020 x/net and
// x/crypto and `go 1.21`. The x/net fix pulls in new x/crypto and x/sys
// and raises the go line; the change must carry every hash the build
// needs and say every version it moves.
func TestUpdateTransitive(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("fetches modules or packages from the registries")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	dir := patchtest.Copy(t, "testdata/gin")
	fix := patch.Fix{Ecosystem: "gomod", Package: "golang.org/x/net", From: "v0.0.0-20200822124328-c89045814202", To: "0.38.0"}
	r, err := patch.Apply(context.Background(), New(Options{}), dir, fix)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != patch.Proposed {
		t.Fatalf("Update = %v: %s", r.Status, r.Reason)
	}

	// The merge request's files on a clean copy of the repository.
	clean := patchtest.Copy(t, "testdata/gin")
	for p, b := range r.Change.Files {
		if err := os.WriteFile(filepath.Join(clean, filepath.FromSlash(p)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	patchtest.Go(t, clean, "build", "./...")
	graph := patchtest.Go(t, clean, "list", "-m", "all")
	for _, old := range []string{"golang.org/x/net v0.0.0-2020", "golang.org/x/crypto v0.0.0-2020"} {
		if strings.Contains(graph, old) {
			t.Errorf("the built module graph still has %s…:\n%s", old, graph)
		}
	}

	moved := map[string]patch.VersionChange{}
	for _, v := range r.Change.Versions {
		moved[v.Name] = v
	}
	for _, name := range []string{"golang.org/x/net", "golang.org/x/crypto", "golang.org/x/sys", "go"} {
		if _, ok := moved[name]; !ok {
			t.Errorf("Versions lacks %s; has %+v", name, r.Change.Versions)
		}
	}
	if g := moved["go"]; g.From != "1.21" || !strings.Contains(g.Why, "golang.org/x/net@v0.38.0") {
		t.Errorf("go line change = %+v, want from 1.21 and x/net named as the reason", g)
	}
	if len(r.Change.Checks) != 1 || !strings.Contains(r.Change.Checks[0], "go build ./...") {
		t.Errorf("Checks = %q, want the build that ran", r.Change.Checks)
	}
}

// A candidate that does not build is not proposed; the reason carries the
// compiler's first lines for the person who must fix it, and says that
// the default branch fails too, so the bump is not to blame.
func TestUpdateBuildFails(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	dir := patchtest.Copy(t, "testdata/broken")
	r, err := patch.Apply(context.Background(), New(Options{}), dir, patch.Fix{Package: "golang.org/x/text", To: "0.3.8"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != patch.Blocked || !strings.Contains(r.Reason, "does not build") || !strings.Contains(r.Reason, "main.go:6") ||
		!strings.Contains(r.Reason, "default branch does not build here either") {
		t.Errorf("Update = %v %q, want blocked with the build error", r.Status, r.Reason)
	}
}
