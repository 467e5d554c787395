package templates_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

func scanPipeline(stages, inputs string) string {
	s := "include:\n  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/scan@$CI_COMMIT_SHA\n"
	if inputs != "" {
		s += "    inputs:\n" + inputs
	}
	if stages != "" {
		s = "stages: " + stages + "\n" + s
	}
	return s
}

// TestScanComponentRenders includes the scan component as a user would and
// checks the job GitLab would create: where each input lands, the reports
// GitLab reads and the artifact the bot reads.
func TestScanComponentRenders(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, stages, inputs string
		job                  string
		want                 map[string]any // dotted path in the job → value
	}{
		{
			name: "defaults",
			job:  "vigil-scan",
			want: map[string]any{
				"stage":                         "test",
				"image.name":                    "registry.gitlab.com/vigil-vm/vigil:$VIGIL_IMAGE_TAG",
				"allow_failure":                 false,
				"dependencies":                  []any{},
				"variables.GIT_STRATEGY":        "none",
				"variables.VIGIL_IMAGE_TAG":     "",
				"artifacts.expire_in":           "30 days",
				"artifacts.when":                "always",
				"variables.VIGIL_SCAN_IMAGE":    "",
				"variables.VIGIL_SCAN_FAIL_ON":  "none",
				"variables.VIGIL_SCAN_DB":       "online",
				"variables.VIGIL_SCAN_PLATFORM": "",
			},
		},
		{
			name:   "every input",
			stages: "[build, scan]",
			inputs: `      stage: scan
      job-name: scan-api
      image: registry.example/api:1.0
      platform: linux/arm64
      fail-on: critical
      ignore-unfixed: true
      allowlist: .vigil/allowlist.yml
      vex: .vigil/vex.json
      sbom-formats: cyclonedx,spdx
      db: /opt/vigil/db
      insecure-registry: true
      allow-failure: true
      artifacts-expire-in: 1 week
      vigil-image: mirror.example/vigil
      vigil-version: 1.2.3
`,
			job: "scan-api",
			want: map[string]any{
				"stage":                                "scan",
				"image.name":                           "mirror.example/vigil:$VIGIL_IMAGE_TAG",
				"variables.VIGIL_IMAGE_TAG":            "1.2.3",
				"allow_failure":                        map[string]any{"exit_codes": []any{1}},
				"artifacts.expire_in":                  "1 week",
				"variables.VIGIL_SCAN_IMAGE":           "registry.example/api:1.0",
				"variables.VIGIL_SCAN_PLATFORM":        "linux/arm64",
				"variables.VIGIL_SCAN_FAIL_ON":         "critical",
				"variables.VIGIL_SCAN_ALLOWLIST":       ".vigil/allowlist.yml",
				"variables.VIGIL_SCAN_VEX":             ".vigil/vex.json",
				"variables.VIGIL_SCAN_SBOM_FORMATS":    "cyclonedx,spdx",
				"variables.VIGIL_SCAN_DB":              "/opt/vigil/db",
				"script.ignore-unfixed":                `if [ "true" = true ] || [ "$CS_IGNORE_UNFIXED" = true ]; then set -- "$@" --ignore-unfixed; fi`,
				"script.insecure-registry":             `if [ "true" = true ] || [ "$CS_REGISTRY_INSECURE" = true ]; then set -- "$@" --insecure-registry; fi`,
				"artifacts.reports.container_scanning": "gl-container-scanning-report.json",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newProject(t, map[string]string{".gitlab-ci.yml": scanPipeline(tc.stages, tc.inputs)})
			doc := p.preview(nil) // fails on a schema violation
			job := mapAt(t, doc, tc.job)
			for path, want := range tc.want {
				if rest, ok := strings.CutPrefix(path, "script."); ok {
					if !slices.Contains(stringList(t, job["script"]), want.(string)) {
						t.Errorf("script has no line for %s: want %q in\n%v", rest, want, job["script"])
					}
					continue
				}
				keys := strings.Split(path, ".")
				got := mapAt(t, job, keys[:len(keys)-1]...)[keys[len(keys)-1]]
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %#v, want %#v", path, got, want)
				}
			}
			if ep := stringList(t, mapAt(t, job, "image")["entrypoint"]); len(ep) != 1 || ep[0] != "" {
				t.Errorf("image entrypoint = %q, want [\"\"] so the runner's shell runs the script", ep)
			}
			reports := mapAt(t, job, "artifacts", "reports")
			if got := stringList(t, reports["container_scanning"]); !slices.Equal(got, []string{"gl-container-scanning-report.json"}) {
				t.Errorf("container_scanning report = %v", got)
			}
			if got := stringList(t, reports["cyclonedx"]); !slices.Equal(got, []string{"gl-sbom-*.cdx.json"}) {
				t.Errorf("cyclonedx report = %v", got)
			}
			paths := stringList(t, mapAt(t, job, "artifacts")["paths"])
			for _, want := range []string{"vigil-findings.json", "vigil-summary.md", "gl-container-scanning-report.json"} {
				if !slices.Contains(paths, want) {
					t.Errorf("artifacts:paths lacks %s (the bot reads vigil-findings.json from there): %v", want, paths)
				}
			}
		})
	}
}

// TestScanComponentRejectsBadInputs shows that wrong input values stop the
// pipeline before any job runs, with GitLab's message.
func TestScanComponentRejectsBadInputs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, inputs, want string }{
		{"severity not an option", "      fail-on: severe\n", "not in the list of allowed options"},
		{"boolean as text", "      ignore-unfixed: \"yes\"\n", "is not a boolean"},
		{"unknown input", "      fail_on: high\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newProject(t, map[string]string{".gitlab-ci.yml": scanPipeline("", tc.inputs)})
			if tc.want == "" {
				// GitLab rejects unknown inputs; gitlab-ci-local 4.60.1 ignores
				// them, so the input simply must not reach the job.
				doc := p.preview(nil)
				if got := mapAt(t, doc, "vigil-scan", "variables")["VIGIL_SCAN_FAIL_ON"]; got != "none" {
					t.Fatalf("misspelt input changed fail-on to %v", got)
				}
				return
			}
			if msg := p.previewError(nil); !strings.Contains(msg, tc.want) {
				t.Fatalf("error does not say %q:\n%s", tc.want, msg)
			}
		})
	}
}

func dbArchive(t *testing.T, content string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	if err := tw.WriteHeader(&tar.Header{Name: "./vulnerability.db", Mode: 0o644, Size: int64(len(content))}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write([]byte(content)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestScanJobRuns runs the rendered scan job with a shell executor and a
// stand-in vigil: the command line vigil receives, the gate's exit code and
// the artifacts that leave the job.
func TestScanJobRuns(t *testing.T) {
	t.Parallel()
	const token = "job-token-for-test"
	db := dbArchive(t, "vigil test database\n")
	var gotToken atomic.Value // only the subtest with a registry DB downloads
	gotToken.Store("")
	registry := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v4/projects/1217/packages/generic/vigil-db/latest/vigil-db.tar.gz" {
			http.NotFound(w, r)
			return
		}
		gotToken.Store(r.Header.Get("JOB-TOKEN"))
		if r.Header.Get("JOB-TOKEN") != token {
			http.Error(w, "401 Unauthorized", http.StatusUnauthorized)
			return
		}
		_, _ = w.Write(db)
	}))
	t.Cleanup(registry.Close) // after the parallel subtests

	base := map[string]string{"CI_REGISTRY_IMAGE": "registry.example/group/app"}
	defaults := []string{"--output-dir", ".", "--sbom-format", "cyclonedx"}
	for _, tc := range []struct {
		name      string
		inputs    string
		vars      map[string]string
		wantImage string   // "" means $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA expanded
		wantArgs  []string // after "scan IMAGE"
		wantFail  bool
		wantDB    string
		wantEnv   []string // lines of the variables vigil saw
		wantFiles []string // artifacts besides the defaults
	}{
		{
			name:     "defaults",
			wantArgs: defaults,
			// gitlab-ci-local does not interpolate component.version; GitLab
			// puts the included release there.
			wantEnv: []string{"GIT_STRATEGY=none", "VIGIL_IMAGE_TAG=$[[ component.version ]]"},
		},
		{
			name: "every flag",
			inputs: `      image: registry.example/api:1.0
      platform: linux/arm64
      fail-on: high
      ignore-unfixed: true
      insecure-registry: true
      allowlist: .vigil/allowlist.yml
      vex: .vigil/vex.json
      sbom-formats: cyclonedx, spdx
      db: /opt/vigil/db
      vigil-version: $CI_COMMIT_SHORT_SHA
`,
			vars:      map[string]string{"CI_COMMIT_SHORT_SHA": "0123abcd"},
			wantImage: "registry.example/api:1.0",
			wantArgs: []string{"--output-dir", ".", "--sbom-format", "cyclonedx,spdx", "--fail-on", "high", "--ignore-unfixed",
				"--insecure-registry", "--platform", "linux/arm64", "--allowlist", ".vigil/allowlist.yml", "--vex", ".vigil/vex.json", "--db", "/opt/vigil/db"},
			wantEnv:   []string{"GIT_STRATEGY=fetch", "VIGIL_IMAGE_TAG=0123abcd"},
			wantFiles: []string{"vigil-sbom-app.spdx.json"},
		},
		{
			name:      "spdx alone still writes the CycloneDX GitLab reads",
			inputs:    "      sbom-formats: spdx\n",
			wantArgs:  []string{"--output-dir", ".", "--sbom-format", "cyclonedx,spdx"},
			wantFiles: []string{"vigil-sbom-app.spdx.json"},
		},
		{
			name: "GitLab Container Scanning variables",
			vars: map[string]string{"CS_IMAGE": "registry.example/legacy:2.0", "CS_IGNORE_UNFIXED": "true", "CS_REGISTRY_INSECURE": "true",
				// A report filter in GitLab, never a gate: vigil reads it itself.
				"CS_SEVERITY_THRESHOLD": "high", "FAKE_VIGIL_EXIT": "0"},
			wantImage: "registry.example/legacy:2.0",
			wantArgs:  append(append([]string{}, defaults...), "--ignore-unfixed", "--insecure-registry"),
		},
		{
			name:      "the image input wins over CS_IMAGE",
			inputs:    "      image: registry.example/api:1.0\n",
			vars:      map[string]string{"CS_IMAGE": "registry.example/legacy:2.0"},
			wantImage: "registry.example/api:1.0",
			wantArgs:  defaults,
		},
		{
			name:     "gate fails, reports still leave the job",
			inputs:   "      fail-on: critical\n",
			vars:     map[string]string{"FAKE_VIGIL_EXIT": "1"},
			wantArgs: []string{"--output-dir", ".", "--sbom-format", "cyclonedx", "--fail-on", "critical"},
			wantFail: true,
		},
		{
			name:     "gate fails, failure allowed",
			inputs:   "      fail-on: low\n      allow-failure: true\n",
			vars:     map[string]string{"FAKE_VIGIL_EXIT": "1"},
			wantArgs: []string{"--output-dir", ".", "--sbom-format", "cyclonedx", "--fail-on", "low"},
		},
		{
			name:     "scanner error fails even when failure is allowed",
			inputs:   "      fail-on: low\n      allow-failure: true\n",
			vars:     map[string]string{"FAKE_VIGIL_EXIT": "2"},
			wantArgs: []string{"--output-dir", ".", "--sbom-format", "cyclonedx", "--fail-on", "low"},
			wantFail: true,
		},
		{
			name:     "database from the package registry with the job token",
			inputs:   "      db: ${CI_API_V4_URL}/projects/$CI_PROJECT_ID/packages/generic/vigil-db/latest/vigil-db.tar.gz\n",
			vars:     map[string]string{"CI_SERVER_URL": registry.URL, "CI_JOB_TOKEN": token},
			wantArgs: []string{"--output-dir", ".", "--sbom-format", "cyclonedx", "--db", ".vigil-db"},
			wantDB:   "vigil test database",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newProject(t, map[string]string{".gitlab-ci.yml": scanPipeline("", tc.inputs)})
			p.tool("vigil", fakeVigil)
			vars := map[string]string{}
			for k, v := range base {
				vars[k] = v
			}
			for k, v := range tc.vars {
				vars[k] = v
			}
			out, err := p.runJobs(vars, "vigil-scan")
			if failed := err != nil || jobFailed(out, "vigil-scan"); failed != tc.wantFail {
				t.Fatalf("job failed = %v, want %v\n%s", failed, tc.wantFail, out)
			}
			args := readLines(t, filepath.Join(p.buildDir("vigil-scan"), "vigil-args.txt"))
			if len(args) < 2 || args[0] != "scan" {
				t.Fatalf("vigil called with %q", args)
			}
			image := args[1]
			if tc.wantImage == "" && !strings.HasPrefix(image, "registry.example/group/app:") || strings.Contains(image, "$") ||
				tc.wantImage != "" && image != tc.wantImage {
				t.Errorf("image %q, want %q ($CI_REGISTRY_IMAGE:$CI_COMMIT_SHA expanded when empty)", image, tc.wantImage)
			}
			if !slices.Equal(args[2:], tc.wantArgs) {
				t.Errorf("vigil scan %s\n got %q\nwant %q", image, args[2:], tc.wantArgs)
			}
			if tc.wantEnv != nil {
				if env := readLines(t, filepath.Join(p.buildDir("vigil-scan"), "vigil-env.txt")); !slices.Equal(env, tc.wantEnv) {
					t.Errorf("job variables %q, want %q", env, tc.wantEnv)
				}
			}
			for _, f := range append([]string{"vigil-findings.json", "gl-container-scanning-report.json", "gl-sbom-app.cdx.json", "vigil-summary.md"}, tc.wantFiles...) {
				if _, err := os.Stat(filepath.Join(p.artifactDir("vigil-scan"), f)); err != nil {
					t.Errorf("artifact %s not exported: %v\n%s", f, err, out)
				}
			}
			if tc.wantDB != "" {
				if got := gotToken.Load().(string); got != token {
					t.Errorf("package registry saw JOB-TOKEN %q", got)
				}
				seen, err := os.ReadFile(filepath.Join(p.buildDir("vigil-scan"), "vigil-db-seen.txt"))
				if err != nil || strings.TrimSpace(string(seen)) != tc.wantDB {
					t.Errorf("vigil did not get the downloaded database: %q, %v\n%s", seen, err, out)
				}
			}
		})
	}
}

// TestScanJobRules: the job exists where GitLab's container_scanning does,
// in branch pipelines, and GitLab's switch turns it off.
func TestScanJobRules(t *testing.T) {
	t.Parallel()
	p := newProject(t, map[string]string{".gitlab-ci.yml": scanPipeline("", "")})
	for _, tc := range []struct {
		name string
		vars map[string]string
		want bool
	}{
		{"branch pipeline", nil, true},
		{"CONTAINER_SCANNING_DISABLED", map[string]string{"CONTAINER_SCANNING_DISABLED": "true"}, false},
		{"CONTAINER_SCANNING_DISABLED=1", map[string]string{"CONTAINER_SCANNING_DISABLED": "1"}, false},
		{"VIGIL_SCAN_DISABLED", map[string]string{"VIGIL_SCAN_DISABLED": "true"}, false},
		{"CONTAINER_SCANNING_DISABLED=false", map[string]string{"CONTAINER_SCANNING_DISABLED": "false"}, true},
		{"merge request pipeline", map[string]string{"CI_COMMIT_BRANCH": "", "CI_PIPELINE_SOURCE": "merge_request_event"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := slices.Contains(p.listJobs(tc.vars), "vigil-scan"); got != tc.want {
				t.Errorf("vigil-scan in the pipeline = %v, want %v", got, tc.want)
			}
		})
	}
}
