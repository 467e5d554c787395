package mr_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/vigil-vm/vigil/bot/patch/patchtest"

	"gitlab.com/vigil-vm/vigil/bot/patch/mr"
	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/findings/findingstest"
)

// ginService is the small gin service the gomod patcher is tested on; the
// engine is tested on the very same files.
const ginService = "../gomod/testdata/gin"

// A small Go service nobody here wrote (gin v1.6.0, a 2020 x/net and
// x/crypto, `go 1.21`): the x/net merge request's files, on a clean copy,
// build from their own go.mod and go.sum; the module graph they build no
// longer has the vulnerable versions; the body names every module and
// the go line it moves, and the build that was checked.

func TestReconcileGoTransitiveBuilds(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("fetches modules or packages from the registries")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	ctx := context.Background()
	before := patchtest.Go(t, cleanCopyWith(t, ginService, map[string][]byte{}), "list", "-m", "all")
	if left := stillAffected(t, before, []string{"GO-2025-3595", "GO-2024-3321"}); len(left) != 2 {
		t.Fatalf("the unpatched service should be affected by both; the check found %v", left)
	}
	w := newWorldFiles(t, readFixture(t, ginService))
	const netOld, cryptoOld = "v0.0.0-20200822124328-c89045814202", "v0.0.0-20200622213623-75b288015ac9"
	req := w.request(
		findingstest.Finding("GO-2025-3595", "go-module", "golang.org/x/net", netOld, scored, findingstest.Fingerprint("fp-text-1"), findingstest.Severity(findings.Medium), findingstest.Fixed("0.38.0")),
		findingstest.Finding("GO-2024-3321", "go-module", "golang.org/x/crypto", cryptoOld, scored, findingstest.Fingerprint("fp-text-2"), findingstest.Severity(findings.High), findingstest.Fixed("0.31.0")),
	)
	res, err := w.engine(mr.Options{}, nil).Reconcile(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(res); got != "gomod:opened,gomod:opened" {
		t.Fatalf("outcomes = %s (%+v)", got, res.Outcomes)
	}
	for _, o := range res.Outcomes {
		m := w.mrByBranch(t, o.Branch)
		dir := cleanCopyWith(t, ginService, w.srv.Files(w.project.ID, o.Branch))
		patchtest.Go(t, dir, "build", "./...")
		graph := patchtest.Go(t, dir, "list", "-m", "all")
		// Rescan what the merge request builds with the real Go
		// vulnerability data: the findings it claims are gone.
		claimed := map[string][]string{"golang.org/x/net": {"GO-2025-3595"}, "golang.org/x/crypto": {"GO-2024-3321"}}[o.Package]
		if left := stillAffected(t, graph, claimed); len(left) > 0 {
			t.Errorf("%s: the rebuilt module graph is still affected by %v", o.Branch, left)
		}
		if o.Package == "golang.org/x/net" {
			if strings.Contains(graph, "golang.org/x/net "+netOld) {
				t.Errorf("%s: the built graph still has x/net %s", o.Branch, netOld)
			}
			for _, want := range []string{"golang.org/x/net", "golang.org/x/crypto", "golang.org/x/sys", "| go |", "1.21", "go build ./...", "-mod=readonly"} {
				if !strings.Contains(m.Description, want) {
					t.Errorf("x/net merge request body lacks %q:\n%s", want, m.Description)
				}
			}
		}
		if o.Package == "golang.org/x/crypto" && strings.Contains(graph, "golang.org/x/crypto "+cryptoOld) {
			t.Errorf("%s: the built graph still has x/crypto %s", o.Branch, cryptoOld)
		}
	}
}

// An npm project with a direct fix (lodash) and a transitive one
// (minimist under mkdirp, through overrides): npm ci on each merge
// request's files succeeds and installs the fixed version.
func TestReconcileNPMInstalls(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("fetches modules or packages from the registries")
	}
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("no npm command")
	}
	ctx := context.Background()
	w := newWorldFiles(t, readFixture(t, "testdata/npm"))
	req := w.request(
		findingstest.Finding("CVE-2021-23337", "npm", "lodash", "4.17.20", scored, findingstest.Fingerprint("fp-text-1"), findingstest.Severity(findings.High), findingstest.Fixed("4.17.21")),
		findingstest.Finding("CVE-2021-44906", "npm", "minimist", "1.2.5", scored, findingstest.Fingerprint("fp-text-2"), findingstest.Severity(findings.Critical), findingstest.Fixed("1.2.6")),
	)
	res, err := w.engine(mr.Options{}, nil).Reconcile(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(res); got != "npm:opened,npm:opened" {
		t.Fatalf("outcomes = %s (%+v)", got, res.Outcomes)
	}
	for _, o := range res.Outcomes {
		m := w.mrByBranch(t, o.Branch)
		if !strings.Contains(m.Description, "npm ci") {
			t.Errorf("%s body does not say the npm ci check ran:\n%s", o.Branch, m.Description)
		}
		dir := cleanCopyWith(t, "testdata/npm", w.srv.Files(w.project.ID, o.Branch))
		ci := exec.Command("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund")
		ci.Dir = dir
		if out, err := ci.CombinedOutput(); err != nil {
			t.Fatalf("npm ci on %s: %v\n%s", o.Branch, err, out)
		}
		b, err := os.ReadFile(filepath.Join(dir, "node_modules", o.Package, "package.json"))
		if err != nil || !strings.Contains(string(b), `"version": "`+o.To+`"`) {
			t.Errorf("%s: node_modules/%s/package.json does not say %s (%v)", o.Branch, o.Package, o.To, err)
		}
	}
}

// cleanCopyWith is the fixture with a branch's files written over it.
func cleanCopyWith(t *testing.T, fixture string, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, b := range readFixture(t, fixture) {
		files[name] = cmpBytes(files[name], b)
	}
	for p, b := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func cmpBytes(a, b []byte) []byte {
	if a != nil {
		return a
	}
	return b
}
