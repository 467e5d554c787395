package sbom

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anchore/syft/syft/linux"
	"github.com/anchore/syft/syft/pkg"
	"github.com/anchore/syft/syft/sbom"
	"github.com/anchore/syft/syft/source"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestForGitLab: the CycloneDX SBOM GitLab reads names its image and OS with
// GitLab's properties, names vigil as its writer, and is still valid
// CycloneDX 1.6 (the schema cyclonedx-go ships).
func TestForGitLab(t *testing.T) {
	s := sbom.SBOM{
		Source: source.Description{Name: "registry.example/group/app", Version: "sha256:4f2a"},
		Artifacts: sbom.Artifacts{
			Packages:          pkg.NewCollection(pkg.Package{Name: "libc6", Version: "2.36-9", Type: pkg.DebPkg, PURL: "pkg:deb/debian/libc6@2.36-9"}),
			LinuxDistribution: &linux.Release{ID: "debian", VersionID: "12", Name: "Debian GNU/Linux"},
		},
		Descriptor: sbom.Descriptor{Name: "vigil", Version: "1.2.3"},
	}
	var buf bytes.Buffer
	if err := Encode(&buf, &s, CycloneDX); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		img    GitLabImage
		wantOS string
	}{
		{"from the scan", GitLabImage{Name: "registry.example/group/app", Tag: "v1", OSName: "debian", OSVersion: "12"}, "debian"},
		{"OS from the SBOM", GitLabImage{Name: "registry.example/group/app", Tag: "v1"}, "debian"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := ForGitLab(buf.Bytes(), tc.img, Tool{"vigil", "1.2.3"}, Tool{"syft", "v1.57.0"})
			if err != nil {
				t.Fatal(err)
			}
			validateCycloneDX(t, doc)
			var bom struct {
				SpecVersion string `json:"specVersion"`
				Metadata    struct {
					Tools struct {
						Components []struct{ Type, Name, Version, Author string }
					}
					Properties []struct{ Name, Value string }
				}
			}
			if err := json.Unmarshal(doc, &bom); err != nil {
				t.Fatal(err)
			}
			props := map[string]string{}
			for _, p := range bom.Metadata.Properties {
				if _, dup := props[p.Name]; dup {
					t.Errorf("property %s twice", p.Name)
				}
				props[p.Name] = p.Value
			}
			for k, want := range map[string]string{PropSchemaVersion: "1", PropImageName: "registry.example/group/app", PropImageTag: "v1", PropOSName: tc.wantOS, PropOSVersion: "12"} {
				if props[k] != want {
					t.Errorf("%s = %q, want %q", k, props[k], want)
				}
			}
			tools := bom.Metadata.Tools.Components
			if len(tools) != 2 || tools[0].Name != "vigil" || tools[0].Author == "anchore" || tools[1].Name != "syft" || tools[1].Type != "library" {
				t.Errorf("tools %+v: want vigil as the application and syft as the library", tools)
			}
			if bom.SpecVersion != "1.6" {
				t.Errorf("specVersion %s", bom.SpecVersion)
			}
			// Applying it twice (a cached document) keeps one of each property.
			again, err := ForGitLab(doc, tc.img, Tool{"vigil", "1.2.3"}, Tool{"syft", "v1.57.0"})
			if err != nil || strings.Count(string(again), PropImageTag) != 1 {
				t.Errorf("second pass: %v, %d image:tag properties", err, strings.Count(string(again), PropImageTag))
			}
		})
	}
}

// validateCycloneDX checks doc against the CycloneDX 1.6 JSON schema shipped
// in the cyclonedx-go module.
func validateCycloneDX(t *testing.T, doc []byte) {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/CycloneDX/cyclonedx-go").Output()
	if err != nil {
		t.Fatalf("locate cyclonedx-go: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "schema")
	c := jsonschema.NewCompiler()
	// The schema's references, by the $id they are known under.
	for file, id := range map[string]string{
		"bom-1.6.schema.json":   "http://cyclonedx.org/schema/bom-1.6.schema.json",
		"spdx.schema.json":      "http://cyclonedx.org/schema/spdx.schema.json",
		"jsf-0.82.schemax.json": "http://cyclonedx.org/schema/jsf-0.82.schema.json",
	} {
		f, err := os.Open(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		d, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if err := c.AddResource(id, d); err != nil {
			t.Fatal(err)
		}
	}
	schema, err := c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json")
	if err != nil {
		t.Fatalf("compile the CycloneDX 1.6 schema: %v", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(v); err != nil {
		t.Fatalf("SBOM is not valid CycloneDX 1.6: %v", err)
	}
}
