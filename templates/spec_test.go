package templates_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// input is one entry of a component's `spec: inputs:` header.
type input struct {
	Description string `yaml:"description"`
	Type        string `yaml:"type"`
	Default     any    `yaml:"default"`
	Options     []any  `yaml:"options"`
	Regex       string `yaml:"regex"`
}

type component struct {
	name   string
	inputs map[string]input
	order  []string // as declared
	body   string   // the job document, uninterpolated
}

var components = []string{"scan", "patch", "db-mirror"}

var interpolation = regexp.MustCompile(`\$\[\[\s*inputs\.([\w-]+)\s*(\|[^\]]*)?\]\]`)

func loadComponent(t *testing.T, name string) component {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(moduleRoot(t), "templates", name+".yml"))
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	var header struct {
		Spec struct {
			Inputs yaml.Node `yaml:"inputs"`
		} `yaml:"spec"`
	}
	if err := dec.Decode(&header); err != nil {
		t.Fatalf("%s: header: %v", name, err)
	}
	var job map[string]any
	if err := dec.Decode(&job); err != nil {
		t.Fatalf("%s: want a header document, `---` and a job document: %v", name, err)
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		t.Fatalf("%s: more than two YAML documents", name)
	}
	c := component{name: name, inputs: map[string]input{}}
	n := header.Spec.Inputs
	if n.Kind != yaml.MappingNode {
		t.Fatalf("%s: spec.inputs is not a mapping", name)
	}
	for i := 0; i < len(n.Content); i += 2 {
		key := n.Content[i].Value
		var in input
		if err := n.Content[i+1].Decode(&in); err != nil {
			t.Fatalf("%s: input %s: %v", name, key, err)
		}
		var keys map[string]any
		_ = n.Content[i+1].Decode(&keys)
		for k := range keys {
			if !slices.Contains([]string{"description", "type", "default", "options", "regex"}, k) {
				t.Errorf("%s: input %s: unknown keyword %q", name, key, k)
			}
		}
		c.inputs[key] = in
		c.order = append(c.order, key)
	}
	_, body, _ := strings.Cut(string(raw), "\n---\n")
	c.body = body
	return c
}

// TestSpecHeaders holds every component to what the CI/CD catalog shows its
// users: each input typed, described and defaulted, defaults allowed by their
// own options and regex, and no input declared but unused or used but
// undeclared.
func TestSpecHeaders(t *testing.T) {
	t.Parallel()
	for _, name := range components {
		t.Run(name, func(t *testing.T) {
			c := loadComponent(t, name)
			used := map[string]bool{}
			for _, m := range interpolation.FindAllStringSubmatch(c.body, -1) {
				used[m[1]] = true
				if _, ok := c.inputs[m[1]]; !ok {
					t.Errorf("$[[ inputs.%s ]] is not declared in spec.inputs", m[1])
				}
			}
			for _, key := range c.order {
				in := c.inputs[key]
				if !used[key] {
					t.Errorf("input %s is declared but never used", key)
				}
				if len(strings.TrimSpace(in.Description)) < 10 {
					t.Errorf("input %s: description missing or too short", key)
				}
				typ := in.Type
				if typ == "" {
					typ = "string"
				}
				if in.Default == nil {
					t.Errorf("input %s has no default: every input must be optional", key)
					continue
				}
				switch typ {
				case "string":
					if _, ok := in.Default.(string); !ok {
						t.Errorf("input %s: string input with %T default", key, in.Default)
					}
				case "boolean":
					if _, ok := in.Default.(bool); !ok {
						t.Errorf("input %s: boolean input with %T default", key, in.Default)
					}
				default:
					t.Errorf("input %s: type %q is not used by vigil's components", key, typ)
				}
				if len(in.Options) > 0 && !slices.Contains(in.Options, in.Default) {
					t.Errorf("input %s: default %v is not among options %v", key, in.Default, in.Options)
				}
				if in.Regex != "" {
					re, err := regexp.Compile(in.Regex)
					if err != nil {
						t.Errorf("input %s: regex: %v", key, err)
					} else if s, _ := in.Default.(string); !re.MatchString(s) {
						t.Errorf("input %s: default %q does not match its regex %s", key, s, in.Regex)
					}
				}
			}
		})
	}
}

// TestInputRegexes checks each regex with Go's RE2 (the engine GitLab uses
// for spec:inputs:regex) against values users write. GitLab matches the raw
// value, before CI/CD variables are expanded, so `$VAR` forms must pass;
// gitlab-ci-local ignores regex, which is why this test exists.
func TestInputRegexes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		component, input string
		good, bad        []string
	}{
		{"scan", "sbom-formats", []string{"cyclonedx", "cyclonedx,spdx,syft", "spdx", "cyclonedx, spdx", "spdx ,syft", "$VIGIL_SBOM_FORMATS"}, []string{"", "cyclonedx,", "json", "cyclonedx spdx"}},
		{"scan", "platform", []string{"", "linux/amd64", "linux/arm64/v8", "$PLATFORM", "linux/${ARCH}"}, []string{"amd64", "linux/"}},
		{"scan", "db", []string{"online", "/opt/vigil/db", "vigil-db", "https://gitlab.example.com/api/v4/projects/1/packages/generic/vigil-db/latest/vigil-db.tar.gz",
			"$CI_API_V4_URL/projects/7/packages/generic/vigil-db/latest/vigil-db.tar.gz", "${CI_API_V4_URL}/projects/$MIRROR_ID/packages/generic/vigil-db/latest/vigil-db.tar.gz", "$VIGIL_DB"},
			[]string{"", "ftp://x/db.tgz", "two words"}},
		{"scan", "artifacts-expire-in", []string{"30 days", "1 week", "never", "12h", "2 hrs 20 min", "3 weeks and 2 days", "1 day, 2 hours", "3600", "6 mos", "$EXPIRE"}, []string{"", "forever", "soon", "days 3"}},
		{"scan", "vigil-version", []string{"", "latest", "1.2.3", "v1.2.3-rc.1", "0123456789abcdef", "$CI_COMMIT_SHA", "${CI_COMMIT_TAG}", "v$VERSION"}, []string{"1.2:3", "-x", "a b"}},
		{"scan", "job-name", []string{"vigil-scan", "scan app", "scan:api"}, []string{"", "-scan", "$[[x]]"}},
		{"patch", "vigil-version", []string{"", "1.2.3", "$CI_COMMIT_SHA"}, []string{"1.2:3"}},
		{"db-mirror", "osv-ecosystems", []string{"", "Go", "Go,npm,PyPI,crates.io,Debian:12", "Go, npm", "$ECOSYSTEMS"}, []string{"Go,", "Go npm", ",Go"}},
		{"db-mirror", "osv-base-url", []string{"https://osv-vulnerabilities.storage.googleapis.com", "http://mirror.internal:8080/osv", "https://mirror/", "$OSV_MIRROR", "${OSV_MIRROR}/osv/"}, []string{"mirror.internal", "ftp://mirror"}},
		{"db-mirror", "grype-listing-url", []string{"https://grype.anchore.io/databases/v6/latest.json", "http://mirror.internal/grype/latest.json", "$GRYPE_LISTING"}, []string{"", "latest.json"}},
		{"db-mirror", "kev-url", []string{"", "https://www.cisa.gov/kev.json", "$KEV_URL"}, []string{"kev.json"}},
		{"db-mirror", "package-version", []string{"latest", "2026.11.26", "1.0.0+db6", "$CI_COMMIT_SHORT_SHA", "db-${CI_PIPELINE_IID}"}, []string{"", "a/b"}},
		{"db-mirror", "vigil-version", []string{"", "1.2.3", "$CI_COMMIT_SHA"}, []string{"1.2:3"}},
		{"db-mirror", "artifacts-expire-in", []string{"7 days", "2 hrs 20 min", "never"}, []string{"soon"}},
	} {
		t.Run(tc.component+"/"+tc.input, func(t *testing.T) {
			in, ok := loadComponent(t, tc.component).inputs[tc.input]
			if !ok || in.Regex == "" {
				t.Fatalf("input %s has no regex", tc.input)
			}
			re := regexp.MustCompile(in.Regex)
			for _, v := range tc.good {
				if !re.MatchString(v) {
					t.Errorf("%q rejected", v)
				}
			}
			for _, v := range tc.bad {
				if re.MatchString(v) {
					t.Errorf("%q accepted", v)
				}
			}
		})
	}
}

// TestReadmeDocumentsEveryInput keeps templates/README.md honest: a section
// per component with a copy-paste include and every input named.
func TestReadmeDocumentsEveryInput(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join(moduleRoot(t), "templates", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	for _, name := range components {
		t.Run(name, func(t *testing.T) {
			_, section, ok := strings.Cut(readme, "\n## "+name+"\n")
			if !ok {
				t.Fatalf("no `## %s` section", name)
			}
			section, _, _ = strings.Cut(section, "\n## ")
			if !strings.Contains(section, "component: $CI_SERVER_FQDN/vigil-vm/vigil/"+name+"@") {
				t.Errorf("section %s has no `include: component:` example", name)
			}
			for _, key := range loadComponent(t, name).order {
				if !strings.Contains(section, "`"+key+"`") {
					t.Errorf("section %s does not document input `%s`", name, key)
				}
			}
		})
	}
}
