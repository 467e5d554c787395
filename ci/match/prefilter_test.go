package match

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/anchore/clio"
	"github.com/anchore/grype/grype"
	v6dist "github.com/anchore/grype/grype/db/v6/distribution"
	v6inst "github.com/anchore/grype/grype/db/v6/installation"
	syftpkg "github.com/anchore/syft/syft/pkg"
	"github.com/anchore/syft/syft/sbom"

	"gitlab.com/vigil-vm/vigil/ci/vulndb"
	"gitlab.com/vigil-vm/vigil/ci/vulndb/vulndbtest"
)

// TestMatchThroughPrefilter matches packages the DB has no record for and
// packages it knows under another spelling, through the provider
// vulndb.Open returns (which skips searches for names the DB lacks and
// caches the others) and through grype's own provider: the matches must be
// the same, and a filter that told a spelling grype treats as the same name
// apart would lose GHSA-2jv5-9r88-3w3p.
func TestMatchThroughPrefilter(t *testing.T) {
	ctx := context.Background()
	db := vulndbtest.Shared(t)
	filtered, _, err := vulndb.Open(ctx, vulndb.OpenOptions{Dir: db})
	if err != nil {
		t.Fatal(err)
	}
	defer filtered.Close()
	dist := v6dist.DefaultConfig()
	dist.ID = clio.Identification{Name: "grype", Version: "v0.121.2"}
	plain, _, err := grype.LoadVulnerabilityDB(dist, v6inst.Config{DBRootDir: db, ValidateChecksum: true}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()

	pkgs := []syftpkg.Package{
		// PyPI treats these spellings as one name, and so does grype's store
		{Name: "Python_Multipart", Version: "0.0.6", Type: syftpkg.PythonPkg, Language: syftpkg.Python, PURL: "pkg:pypi/python-multipart@0.0.6"},
		{Name: "python.multipart", Version: "0.0.5", Type: syftpkg.PythonPkg, Language: syftpkg.Python},
		{Name: "not-in-the-db", Version: "1.0.0", Type: syftpkg.PythonPkg, Language: syftpkg.Python},
		{Name: "golang.org/x/net", Version: "v0.3.0", Type: syftpkg.GoModulePkg, Language: syftpkg.Go, PURL: "pkg:golang/golang.org/x/net@v0.3.0"},
		{Name: "github.com/example/unknown", Version: "v1.0.0", Type: syftpkg.GoModulePkg, Language: syftpkg.Go},
	}
	for i := range pkgs {
		pkgs[i].SetID()
	}
	s := &sbom.SBOM{Artifacts: sbom.Artifacts{Packages: syftpkg.NewCollection(pkgs...)}}

	var got, want *Result
	// twice: the second time the searches that reach the store are cached
	for range 2 {
		if got, err = New(filtered).Match(ctx, s, &s.Source); err != nil {
			t.Fatal(err)
		}
		if want, err = New(plain).Match(ctx, s, &s.Source); err != nil {
			t.Fatal(err)
		}
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if string(g) != string(w) {
			t.Fatalf("matches differ from grype's own provider:\n got %s\nwant %s", g, w)
		}
	}
	found := map[string]bool{}
	for _, m := range got.Matches {
		found[m.Artifact.Name+" "+m.Vulnerability.ID] = true
	}
	for _, k := range []string{"Python_Multipart GHSA-2jv5-9r88-3w3p", "python.multipart GHSA-2jv5-9r88-3w3p", "golang.org/x/net GHSA-xrjj-mj9h-534m"} {
		if !found[k] {
			t.Errorf("%s not matched; matched %v", k, found)
		}
	}
}
