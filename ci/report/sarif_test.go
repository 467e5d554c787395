package report

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// TestSARIFValidates checks the log against the SARIF 2.1.0 schema (OASIS's
// file, as shipped in grype's testdata) and what code scanning reads from it.
func TestSARIFValidates(t *testing.T) {
	rep := sample()
	rep.Findings[0].Package.Locations = []findings.Location{{Path: "/var/lib/dpkg/status"}}
	rep.Findings[0].Suppression = &findings.Suppression{Kind: "allowlist", Reason: "accepted until 2027"}
	var buf bytes.Buffer
	if err := SARIF(&buf, rep, "registry.example/group/app:v1"); err != nil {
		t.Fatal(err)
	}
	raw, err := os.Open("testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	schemaDoc, err := jsonschema.UnmarshalJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("sarif-schema-2.1.0.json", schemaDoc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Fatalf("SARIF does not validate: %v\n%s", err, buf.String())
	}

	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name, Version string
					Rules         []struct {
						ID         string         `json:"id"`
						Properties map[string]any `json:"properties"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID       string `json:"ruleId"`
				Level        string `json:"level"`
				Suppressions []any  `json:"suppressions"`
				Locations    []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string } `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "vigil" || log.Runs[0].Tool.Driver.Version != "0.1.0" {
		t.Fatalf("log header: %+v", log)
	}
	run := log.Runs[0]
	if len(run.Results) != len(rep.Findings) {
		t.Fatalf("%d results for %d findings", len(run.Results), len(rep.Findings))
	}
	levels := map[string]string{}
	for _, r := range run.Results {
		levels[r.RuleID] = r.Level
		if r.RuleID == "CVE-2023-5678-libssl3" {
			if len(r.Suppressions) != 1 {
				t.Errorf("suppressed finding has suppressions %v", r.Suppressions)
			}
			if uri := r.Locations[0].PhysicalLocation.ArtifactLocation.URI; uri != "var/lib/dpkg/status" {
				t.Errorf("location %q, want the package's file relative to the image root", uri)
			}
		}
	}
	if levels["CVE-2023-4911-libc6"] != "error" || levels["CVE-2023-5678-libssl3"] != "warning" {
		t.Errorf("levels %v: want Critical as error, Medium as warning", levels)
	}
	for _, r := range run.Tool.Driver.Rules {
		if _, ok := r.Properties["security-severity"].(string); !ok {
			t.Errorf("rule %s has no security-severity for GitHub to rank it", r.ID)
		}
	}
}

// TestThresholdFiltersOnlyGitLabsReport: CS_SEVERITY_THRESHOLD decides what
// GitLab's report lists; the findings document keeps everything.
// CS_DEFAULT_BRANCH_IMAGE lands in every location.
func TestThresholdFiltersOnlyGitLabsReport(t *testing.T) {
	dir := t.TempDir()
	rep := sample()
	const main = "registry.example/group/app:main"
	if _, err := Write(dir, rep, Options{MinSeverity: findings.High, DefaultBranchImage: main}); err != nil {
		t.Fatal(err)
	}
	var gl struct {
		Vulnerabilities []struct {
			Severity string
			Location struct {
				DefaultBranchImage string `json:"default_branch_image"`
			}
		} `json:"vulnerabilities"`
	}
	readJSON(t, dir+"/"+GitLabFile, &gl)
	for _, v := range gl.Vulnerabilities {
		if v.Severity != "High" && v.Severity != "Critical" {
			t.Errorf("GitLab report lists a %s finding below the threshold", v.Severity)
		}
		if v.Location.DefaultBranchImage != main {
			t.Errorf("default_branch_image %q, want CS_DEFAULT_BRANCH_IMAGE's %q", v.Location.DefaultBranchImage, main)
		}
	}
	if len(gl.Vulnerabilities) == 0 {
		t.Fatal("GitLab report lists nothing")
	}
	var fj findings.Report
	readJSON(t, dir+"/"+FindingsFile, &fj)
	if len(fj.Findings) != len(rep.Findings) {
		t.Errorf("findings document has %d findings, want all %d", len(fj.Findings), len(rep.Findings))
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}
