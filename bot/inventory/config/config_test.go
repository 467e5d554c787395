package config

import (
	"context"
	"strings"
	"testing"
	"time"
)

func noEnv(string) string { return "" }

func TestParseExample(t *testing.T) {
	env := map[string]string{"INVENTORY_OCI_REGISTRY": "registry.internal:5000"}
	c, err := Read("../../../testdata/inventory/example.yml", func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]bool{}
	for _, s := range c.Sources {
		types[s.Type] = true
	}
	if len(types) != 6 || c.Workers != 6 || len(c.Owners) != 2 || c.DefaultTier != "unclassified" {
		t.Errorf("example: %d source kinds, workers %d, %d owner rules, default tier %q", len(types), c.Workers, len(c.Owners), c.DefaultTier)
	}
	if c.Sources[1].Registry != "registry.internal:5000" || c.Sources[0].URL != "https://gitlab.example.com" {
		t.Errorf("${VAR} and ${VAR:-default}: %q %q", c.Sources[1].Registry, c.Sources[0].URL)
	}
}

func TestParseMaxScanAge(t *testing.T) {
	c, err := Parse([]byte("max_scan_age: 720h\nsources: []\n"), noEnv)
	if err != nil || c.MaxScanAge != 720*time.Hour {
		t.Fatalf("%v %v", c.MaxScanAge, err)
	}
}

func TestParseRefusesMistakes(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"sources: [{name: a, type: ecr, regoin: eu-west-1}]", "field regoin not found"},
		{"sources: [{name: a, type: quay}]", `unknown type "quay"`},
		{"sources: [{name: a, type: oci}, {name: a, type: gar}]", `"a" used twice`},
		{"sources: [{type: oci}]", "has no name"},
	} {
		if _, err := Parse([]byte(c.yaml), noEnv); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.yaml, err, c.want)
		}
	}
}

// A source that cannot be built still takes its place, failing with why,
// so it shows up as a gap instead of vanishing.
func TestBuildKeepsBrokenSources(t *testing.T) {
	c, err := Parse([]byte(`
sources:
  - {type: kubernetes, kubeconfig: /nonexistent/kubeconfig, contexts: [prod-eu, prod-us]}
  - {name: gl, type: gitlab, url: https://gitlab.example.com, token_env: NO_SUCH_TOKEN_VAR, group: g}
`), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	srcs := Build(context.Background(), c, noEnv)
	var names []string
	for _, s := range srcs {
		_, err := s.List(context.Background())
		if err == nil {
			t.Errorf("%s listed without error", s.Name())
		}
		names = append(names, s.Name())
	}
	if strings.Join(names, ",") != "prod-eu,prod-us,gl" {
		t.Errorf("sources %v", names)
	}
	if _, err := srcs[2].List(context.Background()); !strings.Contains(err.Error(), "NO_SUCH_TOKEN_VAR is empty") {
		t.Errorf("gitlab without token: %v", err)
	}
}
