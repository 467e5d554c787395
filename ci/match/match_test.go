package match

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/anchore/grype/grype/presenter/models"

	"gitlab.com/vigil-vm/vigil/ci/image"
	"gitlab.com/vigil-vm/vigil/ci/sbom"
	"gitlab.com/vigil-vm/vigil/ci/vulndb"
	"gitlab.com/vigil-vm/vigil/ci/vulndb/vulndbtest"
	"gitlab.com/vigil-vm/vigil/internal/demoimage"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// TestDemoImageFindings scans the real demo image (a real Go binary built
// against old x/text and x/net, a Debian dpkg database) against a DB built
// from the hand-written advisories in testdata/vulndata.
func TestDemoImageFindings(t *testing.T) {
	ctx := context.Background()
	root, _ := filepath.Abs("../..")
	vp, _, err := vulndb.Open(ctx, vulndb.OpenOptions{Dir: vulndbtest.Shared(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer vp.Close()

	img, err := demoimage.Image(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "demo.tar")
	if err := writeArchive(dir, img); err != nil {
		t.Fatal(err)
	}
	acq, err := image.Acquire(ctx, image.Input{Kind: image.KindDockerArchive, Ref: dir}, image.Options{Name: "registry.example/demo"})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := sbom.FromImage(ctx, acq, "vigil", "test")
	if err != nil {
		t.Fatal(err)
	}
	res, err := New(vp).Match(ctx, inv.SBOM, &inv.Source)
	if err != nil {
		t.Fatal(err)
	}
	if res.Distro == nil || res.Distro.Type != "debian" || res.Distro.Version != "12" {
		t.Fatalf("distro = %+v", res.Distro)
	}
	asset := findings.Asset{Kind: "image", Repository: acq.Repository, Digest: acq.Digest}
	fs := Findings("group/demo", asset, res)

	byKey := map[string]findings.Finding{}
	for _, f := range fs {
		byKey[f.Package.Name+" "+f.Key()] = f
		if f.Fingerprint != findings.FingerprintFor("group/demo", asset, f) {
			t.Errorf("%s: fingerprint not computed from project+asset", f.Key())
		}
	}
	text, ok := byKey["golang.org/x/text CVE-2022-32149"]
	if !ok {
		t.Fatalf("x/text CVE-2022-32149 not found; got %v", keys(byKey))
	}
	if text.Vulnerability.Severity != findings.High || text.Fix.State != findings.FixAvailable || !slices.Contains(text.Fix.Versions, "0.3.8") {
		t.Errorf("x/text finding: severity %v fix %+v", text.Vulnerability.Severity, text.Fix)
	}
	rapid := byKey["golang.org/x/net CVE-2023-44487"]
	if rapid.Vulnerability.KEV == nil || rapid.Vulnerability.KEV.DueDate != "2023-10-31" {
		t.Errorf("HTTP/2 rapid reset must carry its KEV due date: %+v", rapid.Vulnerability)
	}
	// A GO- record is tracked under its CVE alias, which the DB has no record of.
	if f, ok := byKey["golang.org/x/net CVE-2023-39325"]; !ok || f.Vulnerability.ID != "GO-2023-2102" {
		t.Errorf("GO-2023-2102 must be keyed by its alias CVE-2023-39325: have %v", keys(byKey))
	}
	if f, ok := byKey["libssl3 CVE-2024-0727"]; !ok || f.Fix.State != findings.FixAvailable || f.Package.Type != "deb" {
		t.Errorf("libssl3 CVE-2024-0727: %+v (have %v)", f, keys(byKey))
	}
	if f, ok := byKey["tar CVE-2005-2541"]; !ok || f.Fix.State == findings.FixAvailable {
		t.Errorf("tar CVE-2005-2541 must be found without a fix: %+v", f)
	}
	seen := map[string]bool{}
	for _, f := range fs {
		if seen[f.Fingerprint] {
			t.Errorf("duplicate fingerprint for %s in %s", f.Key(), f.Package.Name)
		}
		seen[f.Fingerprint] = true
	}
}

func keys(m map[string]findings.Finding) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestFindingsMergeOneCVEFromTwoRecords(t *testing.T) {
	pkg := models.Package{ID: "p1", Name: "golang.org/x/text", Version: "v0.3.7", Type: "go-module"}
	goRec := models.Match{Artifact: pkg, Vulnerability: models.Vulnerability{
		VulnerabilityMetadata: models.VulnerabilityMetadata{ID: "GO-2022-1059", Severity: "Unknown"},
		Fix:                   models.Fix{State: "fixed", Versions: []string{"0.3.8"}}}}
	ghsa := models.Match{Artifact: pkg, Vulnerability: models.Vulnerability{
		VulnerabilityMetadata: models.VulnerabilityMetadata{ID: "GHSA-69ch-w2m2-3vjp", Severity: "High",
			Cvss: []models.Cvss{{Version: "3.1", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", Metrics: models.CvssMetrics{BaseScore: 7.5}}}},
		Fix: models.Fix{State: "fixed", Versions: []string{"0.3.8"}}}}
	res := &Result{Matches: []models.Match{goRec, ghsa}, Aliases: map[string][]string{
		"GO-2022-1059":        {"CVE-2022-32149", "GHSA-69ch-w2m2-3vjp"},
		"GHSA-69ch-w2m2-3vjp": {"CVE-2022-32149"},
	}}
	fs := Findings("g/p", findings.Asset{Repository: "r"}, res)
	if len(fs) != 1 {
		t.Fatalf("want one finding, got %d", len(fs))
	}
	v := fs[0].Vulnerability
	if v.Severity != findings.High || len(v.CVSS) != 1 || fs[0].Key() != "CVE-2022-32149" {
		t.Errorf("merged finding lost what one record knew: %+v", v)
	}
	ids := append([]string{v.ID}, v.Aliases...)
	for _, id := range []string{"GO-2022-1059", "GHSA-69ch-w2m2-3vjp", "CVE-2022-32149"} {
		if !slices.Contains(ids, id) {
			t.Errorf("merged finding lacks %s: %v", id, ids)
		}
	}
}
