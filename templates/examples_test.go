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

// include is one `include: component:` entry found in the project's own
// pipeline or a README example.
type include struct {
	source    string // file it was found in
	component string // scan, patch, db-mirror
	inputs    map[string]any
}

var componentRef = regexp.MustCompile(`/(scan|patch|db-mirror)@[^/\s]+$`)

// collectIncludes walks a decoded YAML document for component includes.
func collectIncludes(source string, v any, out *[]include) {
	switch v := v.(type) {
	case map[string]any:
		if ref, ok := v["component"].(string); ok {
			if m := componentRef.FindStringSubmatch(ref); m != nil {
				in, _ := v["inputs"].(map[string]any)
				*out = append(*out, include{source: source, component: m[1], inputs: in})
			}
		}
		for _, e := range v {
			collectIncludes(source, e, out)
		}
	case []any:
		for _, e := range v {
			collectIncludes(source, e, out)
		}
	}
}

var yamlFence = regexp.MustCompile("(?s)```ya?ml\n(.*?)```")

// exampleIncludes returns every component include a user can copy: the
// project's own .gitlab-ci.yml and the YAML blocks of both READMEs.
func exampleIncludes(t *testing.T) []include {
	t.Helper()
	root := moduleRoot(t)
	var out []include
	pipeline, err := os.ReadFile(filepath.Join(root, ".gitlab-ci.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal(pipeline, &doc); err != nil {
		t.Fatalf(".gitlab-ci.yml: %v", err)
	}
	collectIncludes(".gitlab-ci.yml", doc, &out)
	for _, readme := range []string{"README.md", filepath.Join("templates", "README.md")} {
		raw, err := os.ReadFile(filepath.Join(root, readme))
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range yamlFence.FindAllStringSubmatch(string(raw), -1) {
			var doc any
			if err := yaml.Unmarshal([]byte(m[1]), &doc); err != nil {
				t.Errorf("%s: YAML example %d does not parse: %v\n%s", readme, i+1, err, m[1])
				continue
			}
			collectIncludes(fmt.Sprintf("%s example %d", readme, i+1), doc, &out)
		}
	}
	return out
}

// TestExamplesPassInputChecks holds the project's own pipeline and every
// README example to what GitLab checks when it creates a pipeline: known
// inputs, booleans for boolean inputs, values among the options, and each
// value matching its regex (RE2, against the value as written, variables
// unexpanded).
func TestExamplesPassInputChecks(t *testing.T) {
	t.Parallel()
	includes := exampleIncludes(t)
	seen := map[string]bool{}
	for _, inc := range includes {
		seen[inc.source] = true
	}
	for _, want := range []string{".gitlab-ci.yml", "README.md example", "templates/README.md example"} {
		if !slices.ContainsFunc(mapsKeys(seen), func(s string) bool { return strings.HasPrefix(s, want) }) {
			t.Errorf("no component include found in %s: the test would check nothing there", want)
		}
	}
	specs := map[string]component{}
	for _, name := range components {
		specs[name] = loadComponent(t, name)
	}
	for _, inc := range includes {
		c := specs[inc.component]
		for key, v := range inc.inputs {
			in, ok := c.inputs[key]
			if !ok {
				t.Errorf("%s: %s has no input %q", inc.source, inc.component, key)
				continue
			}
			if err := checkInput(in, v); err != nil {
				t.Errorf("%s: %s input %s: %v", inc.source, inc.component, key, err)
			}
		}
	}
}

func checkInput(in input, v any) error {
	if in.Type == "boolean" {
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%v is not a boolean", v)
		}
		return nil
	}
	s, ok := v.(string)
	if !ok {
		// YAML turns 1.2 or 30 into numbers; GitLab rejects them for string inputs.
		return fmt.Errorf("%v (%T) is not a string: quote it", v, v)
	}
	if len(in.Options) > 0 && !slices.Contains(in.Options, any(s)) {
		return fmt.Errorf("%q is not among %v", s, in.Options)
	}
	if in.Regex != "" && !regexp.MustCompile(in.Regex).MatchString(s) {
		return fmt.Errorf("%q does not match %s", s, in.Regex)
	}
	return nil
}

func mapsKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
