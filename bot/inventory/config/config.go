// Package config reads an inventory configuration (YAML: sources, owner and
// tier rules) and builds its sources; it is the one place that knows every
// source kind.
package config

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"gitlab.com/vigil-vm/vigil/bot/inventory"
)

// Config is an inventory configuration file.
type Config struct {
	// Workers is how many sources are listed at once (4 when zero).
	Workers int      `yaml:"workers"`
	Sources []Source `yaml:"sources"`
	// Rules: owners, tiers, default_tier at the top level.
	inventory.Rules `yaml:",inline"`
}

// Source is one source entry; which fields apply depends on Type.
type Source struct {
	Name string `yaml:"name"`
	Type string `yaml:"type"` // gitlab, oci, ecr, gar, acr, kubernetes

	// gitlab
	URL          string `yaml:"url"`
	TokenEnv     string `yaml:"token_env"` // the variable holding the token; never the token itself
	Group        string `yaml:"group"`
	Project      string `yaml:"project"`
	RegistryUser string `yaml:"registry_user"`

	// oci, acr (registry, repositories), gitlab/oci/acr/gar (insecure)
	Registry     string   `yaml:"registry"`
	Repositories []string `yaml:"repositories"`
	Insecure     bool     `yaml:"insecure"`

	// ecr
	Region     string `yaml:"region"`
	RegistryID string `yaml:"registry_id"`
	Endpoint   string `yaml:"endpoint"`
	Profile    string `yaml:"profile"`

	// gar
	Roots []string `yaml:"roots"`

	// kubernetes
	Kubeconfig string   `yaml:"kubeconfig"`
	Context    string   `yaml:"context"`
	Contexts   []string `yaml:"contexts"` // one source per context, named after it
	InCluster  bool     `yaml:"in_cluster"`
	Cluster    string   `yaml:"cluster"`
	Namespaces []string `yaml:"namespaces"`

	// Workers bounds the source's own requests in flight.
	Workers int `yaml:"workers"`
}

// Read reads and parses the file at path, expanding from env.
func Read(path string, env Getenv) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read inventory config: %w", err)
	}
	c, err := Parse(b, env)
	if err != nil {
		return Config{}, fmt.Errorf("inventory config %s: %w", path, err)
	}
	return c, nil
}

// Parse parses a configuration. ${VAR} and ${VAR:-default} are expanded
// from env first, so one file serves every environment; an unknown field
// is an error, so a typo does not silently drop a source.
func Parse(b []byte, env Getenv) (Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader([]byte(os.Expand(string(b), expand(env)))))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("parse: %w", err)
	}
	if c.Workers < 1 {
		c.Workers = 4
	}
	seen := map[string]bool{}
	for i, s := range c.Sources {
		if s.Name == "" && len(s.Contexts) == 0 {
			return Config{}, fmt.Errorf("source %d has no name", i+1)
		}
		if seen[s.Name] && s.Name != "" {
			return Config{}, fmt.Errorf("source name %q used twice", s.Name)
		}
		seen[s.Name] = true
		if !knownType[s.Type] {
			return Config{}, fmt.Errorf("source %q: unknown type %q (want gitlab, oci, ecr, gar, acr or kubernetes)", s.Name, s.Type)
		}
	}
	return c, nil
}

// expand is the shell's ${VAR:-default}: the default when VAR is unset or empty.
func expand(env Getenv) func(string) string {
	return func(ref string) string {
		name, def, _ := strings.Cut(ref, ":-")
		if v := env(name); v != "" {
			return v
		}
		return def
	}
}

var knownType = map[string]bool{"gitlab": true, "oci": true, "ecr": true, "gar": true, "acr": true, "kubernetes": true}
