package scan

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gitlab.com/vigil-vm/vigil/ci/gate"
	"gitlab.com/vigil-vm/vigil/ci/image"
	"gitlab.com/vigil-vm/vigil/ci/sbom"
	"gitlab.com/vigil-vm/vigil/ci/vulndb"
	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/glreport"
)

func options(t *testing.T, target string) Options {
	return Options{
		Target:      target,
		OutputDir:   t.TempDir(),
		SBOMFormats: []string{sbom.CycloneDX, sbom.Syft},
		Image:       image.Options{CacheDir: t.TempDir(), Env: func(string) string { return "" }},
		DB:          vulndb.OpenOptions{Dir: dbDir},
		Project:     "group/demo",
		Version:     "test",
	}
}

func keys(r *findings.Report) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Package.Name+" "+f.Key())
	}
	slices.Sort(out)
	return out
}

func TestScanRegistryImageWritesValidReports(t *testing.T) {
	t.Parallel()
	o := options(t, demoRef)
	out, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	rep := out.Report
	d, _ := demoImg.Digest()
	if rep.Asset.Digest != d.String() || rep.Asset.Tags[0] != "1.0" || !strings.HasSuffix(rep.Asset.Repository, "/group/demo") {
		t.Errorf("asset = %+v", rep.Asset)
	}
	if rep.Asset.Distro == nil || rep.Asset.Distro.Name != "debian" {
		t.Errorf("distro = %+v", rep.Asset.Distro)
	}
	got := keys(rep)
	for _, want := range []string{"golang.org/x/text CVE-2022-32149", "golang.org/x/net CVE-2023-44487", "libssl3 CVE-2024-0727", "libexpat1 CVE-2023-52425", "tar CVE-2005-2541"} {
		if !slices.Contains(got, want) {
			t.Errorf("missing %s in %v", want, got)
		}
	}

	files := map[string]bool{}
	for _, f := range out.Files {
		files[filepath.Base(f)] = true
	}
	for _, want := range []string{"vigil-findings.json", "gl-container-scanning-report.json", "vigil-summary.md", "gl-sbom-demo.cdx.json", "vigil-sbom-demo.syft.json"} {
		if !files[want] {
			t.Errorf("missing report %s (have %v)", want, files)
		}
	}
	data, _ := os.ReadFile(filepath.Join(o.OutputDir, "vigil-findings.json"))
	if err := findings.Validate(data); err != nil {
		t.Errorf("vigil-findings.json: %v", err)
	}
	data, _ = os.ReadFile(filepath.Join(o.OutputDir, "gl-container-scanning-report.json"))
	if err := glreport.Validate("container_scanning", data); err != nil {
		t.Errorf("gl-container-scanning-report.json: %v", err)
	}
	var cdx struct{ BOMFormat, SpecVersion string }
	data, _ = os.ReadFile(filepath.Join(o.OutputDir, "gl-sbom-demo.cdx.json"))
	if err := json.Unmarshal(data, &cdx); err != nil || cdx.BOMFormat != "CycloneDX" || cdx.SpecVersion != "1.6" {
		t.Errorf("CycloneDX SBOM: %+v %v", cdx, err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(o.OutputDir, ".vigil-staging-*"))
	if len(leftovers) > 0 {
		t.Errorf("staging left behind: %v", leftovers)
	}

	// The syft SBOM it wrote scans to the same findings without the image.
	o2 := options(t, "sbom:"+filepath.Join(o.OutputDir, "vigil-sbom-demo.syft.json"))
	o2.Image.Name = rep.Asset.Repository
	out2, err := Run(context.Background(), o2)
	if err != nil {
		t.Fatal(err)
	}
	if g2 := keys(out2.Report); !slices.Equal(g2, got) {
		t.Errorf("sbom: input found %v, image found %v", g2, got)
	}
	for i := range rep.Findings {
		if out2.Report.Findings[i].Fingerprint != rep.Findings[i].Fingerprint {
			t.Errorf("fingerprints differ between image and SBOM scans of one repository")
			break
		}
	}
}

func TestScanGate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		gate        gate.Options
		wantFailing bool
		suppressed  string // a package whose findings must be suppressed
	}{
		{"no threshold never fails", gate.Options{}, false, ""},
		{"high fails on x/text", gate.Options{FailOn: findings.High, FailOnSet: true}, true, ""},
		{"critical passes", gate.Options{FailOn: findings.Critical, FailOnSet: true}, false, ""},
		{"ignore-unfixed suppresses tar", gate.Options{IgnoreUnfixed: true}, false, "tar"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := options(t, demoRef)
			o.Gate = tc.gate
			out, err := Run(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if (len(out.Failing) > 0) != tc.wantFailing {
				t.Errorf("failing = %d findings, want failing=%v", len(out.Failing), tc.wantFailing)
			}
			for _, f := range out.Report.Findings {
				if f.Package.Name == tc.suppressed && f.Suppression == nil {
					t.Errorf("%s %s not suppressed", f.Package.Name, f.Key())
				}
			}
		})
	}
}

func TestScanBadInputLeavesNoReports(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	corrupt := filepath.Join(t.TempDir(), "bom.json")
	os.WriteFile(corrupt, []byte(`{"bomFormat": "CycloneDX", "specVersion": `), 0o644)
	host := strings.Split(demoRef, "/")[0]
	for _, tc := range []struct {
		name, target string
		db           string
		want         string
	}{
		{"unknown image", host + "/group/nope:1.0", dbDir, "not found"},
		{"corrupt SBOM", "sbom:" + corrupt, dbDir, "read SBOM"},
		{"missing DB", demoRef, empty, "vigil db build"},
		{"no target", "", dbDir, "no image to scan"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := options(t, tc.target)
			o.DB.Dir = tc.db
			_, err := Run(context.Background(), o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			entries, _ := os.ReadDir(o.OutputDir)
			if len(entries) > 0 {
				t.Errorf("output dir not empty after error: %v", entries)
			}
		})
	}
}
