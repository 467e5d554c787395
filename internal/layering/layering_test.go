package layering

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "gitlab.com/vigil-vm/vigil"

// rules say which import-path prefixes a tree must never reach, directly or
// through a dependency, in its code or its tests.
var rules = []struct {
	tree      string
	forbidden []string
	why       string
}{
	{"bot", []string{module + "/ci/", "github.com/anchore/"},
		"the bot must link no scanner: its tests build in seconds and its image stays small"},
	{"ci", []string{module + "/bot/"}, "the CI job must not depend on the service"},
	{"internal/findings", []string{module + "/bot/", module + "/ci/", "github.com/anchore/"},
		"the findings contract is shared by both sides and links neither"},
	{"internal/glreport", []string{module + "/bot/", module + "/ci/", "github.com/anchore/"},
		"GitLab's report format is shared by both sides and links neither"},
	{"internal/sqlite", []string{module + "/bot/", module + "/ci/", "github.com/anchore/"},
		"the SQLite opener serves both sides and links neither"},
	{"internal/gitlabdouble", []string{module + "/bot/", module + "/ci/", "github.com/anchore/"},
		"the GitLab double stands for GitLab, not for vigil"},
}

func TestImportBoundaries(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the tree")
	}
	for _, r := range rules {
		deps := listDeps(t, "../../"+r.tree+"/...")
		for pkg, ds := range deps {
			for _, d := range ds {
				for _, f := range r.forbidden {
					if strings.HasPrefix(d, f) {
						t.Errorf("%s depends on %s: %s", pkg, d, r.why)
					}
				}
			}
		}
	}
}

// listDeps maps every package of a pattern (and its test variants) to its
// transitive dependencies, as the go command resolves them.
func listDeps(t *testing.T, pattern string) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-test", "-f", "{{.ImportPath}}\t{{join .Deps \" \"}}", pattern).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list %s: %v\n%s", pattern, err, ee.Stderr)
		}
		t.Fatalf("go list %s: %v", pattern, err)
	}
	deps := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, ds, _ := strings.Cut(line, "\t")
		deps[pkg] = strings.Fields(ds)
	}
	if len(deps) == 0 {
		t.Fatalf("go list %s listed no package", pattern)
	}
	return deps
}
