package templates_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestProjectPipeline checks vigil's own .gitlab-ci.yml: valid for GitLab,
// the five stages, the image built without a Docker daemon, our own scan
// component scanning our own image, and a catalog release on semver tags.
func TestProjectPipeline(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join(moduleRoot(t), ".gitlab-ci.yml"))
	if err != nil {
		t.Fatal(err)
	}
	schema := ciSchema(t)
	var file map[string]any
	if err := yaml.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if err := validate(schema, file); err != nil {
		t.Fatalf(".gitlab-ci.yml does not match GitLab's CI schema: %v", err)
	}

	p := newProject(t, map[string]string{".gitlab-ci.yml": string(raw)})
	doc := p.preview(map[string]string{"CI_REGISTRY_IMAGE": "registry.example/vigil-vm/vigil"}) // fails on a schema violation

	want := []string{".pre", "lint", "test", "build", "scan", "release", ".post"}
	if got := stringList(t, doc["stages"]); !slices.Equal(got, want) {
		t.Errorf("stages = %v, want %v", got, want)
	}
	script := func(job string) string {
		j := mapAt(t, doc, job)
		var lines []string
		for _, k := range []string{"before_script", "script"} {
			if j[k] != nil {
				lines = append(lines, stringList(t, j[k])...)
			}
		}
		return strings.Join(lines, "\n")
	}
	stage := func(job string) any { return mapAt(t, doc, job)["stage"] }

	if s := script("lint"); stage("lint") != "lint" || !strings.Contains(s, "gofmt -l") || !strings.Contains(s, "go vet ./...") {
		t.Errorf("lint job must run gofmt and go vet:\n%s", s)
	}
	if s := script("test"); stage("test") != "test" || !strings.Contains(s, "bash .ci/run") {
		t.Errorf("test job must run bash .ci/run:\n%s", s)
	}
	if s := script("build:binary"); stage("build:binary") != "build" || !strings.Contains(s, "go build") || !strings.Contains(s, "./cmd/vigil") {
		t.Errorf("build:binary must build ./cmd/vigil:\n%s", s)
	}
	img := mapAt(t, doc, "build:image")
	if s := script("build:image"); stage("build:image") != "build" || !strings.Contains(s, "buildah build") || !strings.Contains(s, `buildah manifest push --all vigil "docker://$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA"`) ||
		!strings.Contains(s, `--platform "$VIGIL_IMAGE_PLATFORMS"`) {
		t.Errorf("build:image must build every platform and push the manifest list $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA with buildah:\n%s", s)
	}
	if v := mapAt(t, img, "variables"); v["BUILDAH_FORMAT"] != "docker" || !strings.Contains(fmt.Sprint(v["VIGIL_IMAGE_PLATFORMS"]), "linux/arm64") {
		t.Errorf("build:image variables %v: want Docker format (keeps HEALTHCHECK) and arm64 among the platforms", v)
	}
	if img["services"] != nil {
		t.Errorf("build:image uses services (a Docker daemon): %v", img["services"])
	}

	scan := mapAt(t, doc, "vigil-scan")
	if scan["stage"] != "scan" {
		t.Errorf("dogfood scan in stage %v", scan["stage"])
	}
	// Included by commit SHA, GitLab knows no component release: the tag
	// must come from vigil-version.
	if got, tag := mapAt(t, scan, "image")["name"], mapAt(t, scan, "variables")["VIGIL_IMAGE_TAG"]; got != "$CI_REGISTRY_IMAGE:$VIGIL_IMAGE_TAG" || tag != "$CI_COMMIT_SHA" {
		t.Errorf("dogfood scan runs in %v with VIGIL_IMAGE_TAG %v, want the image just built", got, tag)
	}
	if got := mapAt(t, scan, "variables")["VIGIL_SCAN_IMAGE"]; got != "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA" {
		t.Errorf("dogfood scan scans %v, want the image just built", got)
	}
	if got := mapAt(t, scan, "artifacts", "reports")["container_scanning"]; got != "gl-container-scanning-report.json" {
		t.Errorf("dogfood scan report = %v", got)
	}

	// The GitHub Action's users name @v1 or @v1.2: a release moves those tags
	// on the mirror and pushes the image tags the Action then runs.
	if s := script("release:action-tags"); !strings.Contains(s, "refs/tags/v$major") || !strings.Contains(s, "refs/tags/v$minor") {
		t.Errorf("release:action-tags does not move v<major> and v<major>.<minor>:\n%s", s)
	}
	if s := script("release:image"); !strings.Contains(s, `"$major"`) || !strings.Contains(s, `"$minor"`) {
		t.Errorf("release:image does not push the <major> and <major>.<minor> image tags:\n%s", s)
	}

	release := mapAt(t, doc, "release")
	if release["stage"] != "release" || mapAt(t, release, "release")["tag_name"] != "$CI_COMMIT_TAG" {
		t.Errorf("release job must use the release: keyword for the tag: %v", release)
	}
	for _, job := range []string{"release", "release:image"} {
		rules, _ := mapAt(t, doc, job)["rules"].([]any)
		if len(rules) != 1 {
			t.Fatalf("%s: want one rule, got %v", job, rules)
		}
		cond, _ := rules[0].(map[string]any)["if"].(string)
		m := regexp.MustCompile(`^\$CI_COMMIT_TAG =~ /(.*)/$`).FindStringSubmatch(cond)
		if m == nil {
			t.Fatalf("%s: rule %q is not a tag match", job, cond)
		}
		re := regexp.MustCompile(m[1])
		for tag, want := range map[string]bool{"1.2.3": true, "10.0.12": true, "v1.2.3": false, "1.2": false, "1.2.3.4": false, "main": false} {
			if re.MatchString(tag) != want {
				t.Errorf("%s: tag %q released = %v", job, tag, !want)
			}
		}
	}
}

// TestSchemaRejects guards the guard: the schema the tests validate against
// does reject what GitLab rejects.
func TestSchemaRejects(t *testing.T) {
	t.Parallel()
	schema := ciSchema(t)
	for name, doc := range map[string]string{
		"unknown report":     "scan:\n  script: [vigil scan]\n  artifacts:\n    reports:\n      container_scanningg: x.json\n",
		"unknown job key":    "scan:\n  script: [vigil scan]\n  artifact:\n    paths: [x]\n",
		"boolean as a stage": "scan:\n  stage: true\n  script: [vigil scan]\n",
	} {
		var v any
		if err := yaml.Unmarshal([]byte(doc), &v); err != nil {
			t.Fatal(err)
		}
		if validate(schema, v) == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
