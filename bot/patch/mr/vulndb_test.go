package mr_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/semver"
)

// goVulnDB is the real Go vulnerability database, the module the scanner's
// DB is built from (ci/vulndb.GoVulnDBModule; bot tests cannot import ci),
// fetched through the module proxy into the shared module cache.
const goVulnDB = "golang.org/x/vulndb@v0.0.0-20261105234957-e22db6528018"

// stillAffected rescans a built module graph (`go list -m all` output)
// for the given Go vulnerability ids with the real OSV records, and
// returns those that still affect a module in it.
func stillAffected(t *testing.T, graph string, ids []string) []string {
	t.Helper()
	out, err := exec.Command("go", "mod", "download", "-json", goVulnDB).Output()
	if err != nil {
		t.Skipf("the Go vulnerability database is out of reach: %v", err)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil {
		t.Fatal(err)
	}
	versions := map[string]string{}
	for _, line := range strings.Split(graph, "\n") {
		if f := strings.Fields(line); len(f) >= 2 {
			versions[f[0]] = f[1]
		}
	}
	var affected []string
	for _, id := range ids {
		b, err := os.ReadFile(filepath.Join(mod.Dir, "data", "osv", id+".json"))
		if err != nil {
			t.Fatalf("no OSV record %s: %v", id, err)
		}
		var rec struct {
			Affected []struct {
				Package struct{ Name string }
				Ranges  []struct {
					Events []struct{ Introduced, Fixed string }
				}
			}
		}
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Fatal(err)
		}
		for _, a := range rec.Affected {
			v, ok := versions[a.Package.Name]
			if ok && inRanges(v, a.Ranges) {
				affected = append(affected, id+" ("+a.Package.Name+" "+v+")")
			}
		}
	}
	return affected
}

// inRanges applies OSV SEMVER events: introduced opens a range, fixed
// closes it.
func inRanges(v string, ranges []struct {
	Events []struct{ Introduced, Fixed string }
}) bool {
	for _, r := range ranges {
		in := false
		for _, e := range r.Events {
			if e.Introduced != "" && (e.Introduced == "0" || semver.Compare(v, "v"+e.Introduced) >= 0) {
				in = true
			}
			if e.Fixed != "" && semver.Compare(v, "v"+e.Fixed) >= 0 {
				in = false
			}
		}
		if in {
			return true
		}
	}
	return false
}
