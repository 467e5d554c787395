package vulndb

import (
	"context"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anchore/grype/grype/search"
	"github.com/anchore/grype/grype/vulnerability"
	"github.com/anchore/syft/syft/cpe"
	syftpkg "github.com/anchore/syft/syft/pkg"
)

// prefilterDB builds the fixtures (testdata/vulndata, with
// GHSA-2jv5-9r88-3w3p for python-multipart < 0.0.7) and opens the result
// with grype's provider behind a call counter.
func prefilterDB(t *testing.T) (*dbProvider, *countingProvider) {
	t.Helper()
	cfg := fixtureConfig(t.TempDir(), time.Now())
	if _, err := Build(context.Background(), cfg, testLogger(t)); err != nil {
		t.Fatal(err)
	}
	vp, _, err := Open(context.Background(), OpenOptions{Dir: cfg.Out})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { vp.Close() })
	p := vp.(*dbProvider)
	counter := &countingProvider{Provider: p.Provider}
	p.Provider = counter
	return p, counter
}

// countingProvider counts the searches that reach grype's store.
type countingProvider struct {
	vulnerability.Provider
	calls atomic.Int64
}

func (c *countingProvider) FindVulnerabilities(criteria ...vulnerability.Criteria) ([]vulnerability.Vulnerability, error) {
	c.calls.Add(1)
	return c.Provider.FindVulnerabilities(criteria...)
}

func ids(vs []vulnerability.Vulnerability) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.ID)
	}
	return out
}

func TestPrefilterAnswersAsGrype(t *testing.T) {
	p, counter := prefilterDB(t)
	goEco := search.ByEcosystem(syftpkg.Go, syftpkg.GoModulePkg)
	pyEco := search.ByEcosystem(syftpkg.Python, syftpkg.PythonPkg)
	xnetCPE := cpe.Must("cpe:2.3:a:golang:networking:*:*:*:*:*:go:*:*", "")
	tests := []struct {
		name     string
		criteria []vulnerability.Criteria
		reaches  bool // whether the search reaches grype's store
		found    bool
	}{
		{name: "a Go module the DB has no record for", criteria: []vulnerability.Criteria{goEco, search.ByPackageName("github.com/example/unknown")}},
		{name: "unaffected records of a module with only affected ones",
			criteria: []vulnerability.Criteria{goEco, search.ByPackageName("golang.org/x/net"), search.ForUnaffected()}},
		{name: "a known Go module", criteria: []vulnerability.Criteria{goEco, search.ByPackageName("golang.org/x/net")}, reaches: true, found: true},
		// grype's store folds ASCII case and normalises Python names
		// ([-_.]+ to "-"): the filter must treat these spellings as one.
		{name: "a Python name as grype stores it", criteria: []vulnerability.Criteria{pyEco, search.ByPackageName("python-multipart")}, reaches: true, found: true},
		{name: "a Python name spelled with _ and upper case", criteria: []vulnerability.Criteria{pyEco, search.ByPackageName("Python_Multipart")}, reaches: true, found: true},
		{name: "a Python name spelled with .", criteria: []vulnerability.Criteria{pyEco, search.ByPackageName("python.multipart")}, reaches: true, found: true},
		{name: "one of two alternatives known",
			criteria: []vulnerability.Criteria{goEco, search.Or(search.ByPackageName("github.com/example/unknown"), search.ByPackageName("golang.org/x/text"))}, reaches: true, found: true},
		{name: "by CPE, whatever the name", criteria: []vulnerability.Criteria{search.ByCPE(xnetCPE), search.ByPackageName("github.com/example/unknown")}, reaches: true},
		{name: "an empty name, which grype reads as any", criteria: []vulnerability.Criteria{goEco, search.ByPackageName("")}, reaches: true, found: true},
		{name: "by id", criteria: []vulnerability.Criteria{search.ByID("GO-2023-2102")}, reaches: true, found: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, wantErr := counter.Provider.FindVulnerabilities(tt.criteria...) // grype alone
			for _, pass := range []string{"first", "cached"} {
				before := counter.calls.Load()
				got, err := p.FindVulnerabilities(tt.criteria...)
				if (err != nil) != (wantErr != nil) {
					t.Fatalf("%s search: error %v, grype's %v", pass, err, wantErr)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s search found %v, grype finds %v", pass, ids(got), ids(want))
				}
				if reached := counter.calls.Load() > before; pass == "first" && reached != tt.reaches {
					t.Errorf("search reached grype's store: %t, want %t", reached, tt.reaches)
				}
			}
			if found := len(want) > 0; found != tt.found {
				t.Errorf("grype found %v", ids(want))
			}
		})
	}
}

// A cached answer is each caller's own: grype sorts fix versions in place
// and memoizes risk scores, and a provider may serve goroutines at once
// (run with -race).
func TestPrefilterCachedAnswersAreNotShared(t *testing.T) {
	p, _ := prefilterDB(t)
	criteria := []vulnerability.Criteria{search.ByEcosystem(syftpkg.Go, syftpkg.GoModulePkg), search.ByPackageName("golang.org/x/net")}
	first, err := p.FindVulnerabilities(criteria...)
	if err != nil || len(first) == 0 {
		t.Fatalf("found %v, %v", ids(first), err)
	}
	first[0].Fix.Versions = append(first[0].Fix.Versions[:0], "mutated")
	first[0].Metadata.Severity = "mutated"

	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			vs, err := p.FindVulnerabilities(criteria...)
			if err != nil {
				t.Error(err)
				return
			}
			for _, v := range vs {
				v.Metadata.RiskScore()
				if len(v.Fix.Versions) > 0 && v.Fix.Versions[0] == "mutated" || v.Metadata.Severity == "mutated" {
					t.Errorf("%s: a caller's change leaked into the cache", v.ID)
				}
			}
		})
	}
	wg.Wait()
}

func TestNameKey(t *testing.T) {
	same := [][]string{
		{"python-multipart", "Python_Multipart", "python.multipart", "PYTHON--MULTIPART"},
		{"golang.org/x/net", "Golang.org/X/Net"},
	}
	for _, names := range same {
		for _, n := range names[1:] {
			if NameKey(n) != NameKey(names[0]) {
				t.Errorf("NameKey(%q) = %q, NameKey(%q) = %q", n, NameKey(n), names[0], NameKey(names[0]))
			}
		}
	}
	if NameKey("golang.org/x/net") == NameKey("golang.org/x/text") {
		t.Error("different names share a key")
	}
}
