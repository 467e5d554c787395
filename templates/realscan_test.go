package templates_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"gitlab.com/vigil-vm/vigil/ci/vulndb/vulndbtest"

	"gitlab.com/vigil-vm/vigil/internal/demoimage"
	"gitlab.com/vigil-vm/vigil/internal/registrytest"
	"gitlab.com/vigil-vm/vigil/internal/vigiltest"
)

// realVigil is the vigil binary (vigiltest's, from the build cache) and
// the test DB of the hand-written advisories in testdata/vulndata
// (vulndbtest's, built once per process), for jobs that run the real
// scanner. Jobs only read them.
func realVigil(t *testing.T) (bin, db string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds vigil (links syft and grype)")
	}
	return vigiltest.Binary(t), vulndbtest.Shared(t)
}

// demo is the demo image (Debian packages and a vulnerable Go program),
// built once per process for the tests that scan it.
var demo struct {
	once sync.Once
	img  v1.Image
	err  error
}

func demoImage(t *testing.T) v1.Image {
	t.Helper()
	root := moduleRoot(t)
	demo.once.Do(func() { demo.img, demo.err = demoimage.Image(context.Background(), root) })
	if demo.err != nil {
		t.Fatal(demo.err)
	}
	return demo.img
}

// demoRegistry serves the demo image over plain HTTP at
// <host>/group/app:1.0.
func demoRegistry(t *testing.T) string {
	t.Helper()
	return registrytest.New(t).Push(t, "group/app:1.0", demoImage(t))
}

// TestScanJobWithRealVigil runs the scan component's job with the shell
// executor and the real vigil against a real (in-process) registry, with
// GitLab Container Scanning's variables set as GitLab users set them. The
// outcomes are the ones the table in templates/README.md promises.
func TestScanJobWithRealVigil(t *testing.T) {
	t.Parallel()
	gitlabCILocal(t)
	bin, db := realVigil(t)
	image := demoRegistry(t)
	for _, tc := range []struct {
		name, inputs string
		vars         map[string]string
		wantFail     bool
		wantWarn     bool
		check        func(t *testing.T, artifacts string)
	}{
		{
			// CS_SEVERITY_THRESHOLD filters GitLab's report and never fails the
			// job; CS_IMAGE names the image; CS_REGISTRY_INSECURE reaches a
			// plain-HTTP registry.
			name: "GitLab CS variables",
			vars: map[string]string{"CS_IMAGE": image, "CS_REGISTRY_INSECURE": "true", "CS_SEVERITY_THRESHOLD": "high"},
			check: func(t *testing.T, artifacts string) {
				var gl struct {
					Vulnerabilities []struct {
						Severity string
						Location struct{ Image string }
					}
				}
				var fj struct{ Findings []json.RawMessage }
				readJSONFile(t, filepath.Join(artifacts, "gl-container-scanning-report.json"), &gl)
				readJSONFile(t, filepath.Join(artifacts, "vigil-findings.json"), &fj)
				if len(gl.Vulnerabilities) == 0 || len(fj.Findings) <= len(gl.Vulnerabilities) {
					t.Errorf("GitLab report %d findings, vigil-findings.json %d: want the report filtered and the findings complete", len(gl.Vulnerabilities), len(fj.Findings))
				}
				for _, v := range gl.Vulnerabilities {
					if v.Severity != "High" && v.Severity != "Critical" {
						t.Errorf("report lists %s below CS_SEVERITY_THRESHOLD=high", v.Severity)
					}
				}
				cdx, err := os.ReadFile(filepath.Join(artifacts, "gl-sbom-app.cdx.json"))
				if err != nil {
					t.Fatal(err)
				}
				for _, want := range []string{`"gitlab:container_scanning:image:tag"`, `"gitlab:container_scanning:operating_system:name"`, `"debian"`} {
					if !strings.Contains(string(cdx), want) {
						t.Errorf("CycloneDX SBOM lacks %s", want)
					}
				}
			},
		},
		{
			name:     "fail-on high fails the job",
			inputs:   "      image: " + image + "\n      insecure-registry: true\n      fail-on: high\n",
			wantFail: true,
		},
		{
			name:     "allow-failure lets a failed gate pass with a warning",
			inputs:   "      image: " + image + "\n      insecure-registry: true\n      fail-on: high\n      allow-failure: true\n",
			wantWarn: true,
		},
		{
			name:     "allow-failure does not hide a scanner error",
			inputs:   "      image: " + strings.Replace(image, ":1.0", ":missing", 1) + "\n      insecure-registry: true\n      allow-failure: true\n",
			wantFail: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			inputs := tc.inputs + "      db: " + db + "\n"
			p := newProject(t, map[string]string{".gitlab-ci.yml": scanPipeline("", inputs)})
			if err := os.Symlink(bin, filepath.Join(p.bin, "vigil")); err != nil {
				t.Fatal(err)
			}
			out, err := p.runJobs(tc.vars, "vigil-scan")
			failed := err != nil || jobFailed(out, "vigil-scan")
			if failed != tc.wantFail {
				t.Fatalf("job failed = %v, want %v\n%s", failed, tc.wantFail, out)
			}
			if warned := jobWarned(out, "vigil-scan"); warned != tc.wantWarn {
				t.Errorf("job warned = %v, want %v\n%s", warned, tc.wantWarn, out)
			}
			if tc.check != nil {
				tc.check(t, p.artifactDir("vigil-scan"))
			}
		})
	}
}

func readJSONFile(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
