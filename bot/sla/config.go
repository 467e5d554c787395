package sla

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"gopkg.in/yaml.v3"
)

// Config is the policy file: a default policy and per-project overrides. An
// override sets only the fields it names; later overrides win.
//
//	default:
//	  near_breach_days: 7
//	projects:
//	  - match: "payments/*"
//	    policy:
//	      days: {critical: 7}
type Config struct {
	Default   Policy
	Overrides []Override
	// Tiers are remediation days by asset tier, strictest first (tier.go).
	Tiers []TierDays
}

// Override changes the policy of the projects whose path matches Match, a
// path.Match glob; a trailing "/**" matches every project below a group.
type Override struct {
	Match  string
	policy yaml.Node
}

type fileConfig struct {
	Default  yaml.Node `yaml:"default"`
	Projects []struct {
		Match  string    `yaml:"match"`
		Policy yaml.Node `yaml:"policy"`
	} `yaml:"projects"`
	Tiers []TierDays `yaml:"tiers"`
}

// DefaultConfig is the configuration used without a policy file.
func DefaultConfig() *Config { return &Config{Default: Default()} }

// LoadFile reads a policy file; an empty path gives DefaultConfig.
func LoadFile(name string) (*Config, error) {
	if name == "" {
		return DefaultConfig(), nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read sla policy: %w", err)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("sla policy %s: %w", name, err)
	}
	return c, nil
}

// Parse reads a policy document over the defaults.
func Parse(data []byte) (*Config, error) {
	var fc fileConfig
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&fc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("parse sla policy: %w", err)
	}
	c := DefaultConfig()
	if fc.Default.Kind != 0 {
		if err := decodeStrict(&fc.Default, &c.Default); err != nil {
			return nil, fmt.Errorf("parse default policy: %w", err)
		}
	}
	if err := c.Default.Validate(); err != nil {
		return nil, fmt.Errorf("default policy: %w", err)
	}
	for i, p := range fc.Projects {
		if p.Match == "" {
			return nil, fmt.Errorf("project override %d has no match pattern", i+1)
		}
		if _, err := path.Match(p.Match, ""); err != nil {
			return nil, fmt.Errorf("project override %q: %w", p.Match, err)
		}
		c.Overrides = append(c.Overrides, Override{Match: p.Match, policy: p.Policy})
	}
	// Check every override now, not on the first webhook of a matching project.
	if err := c.parseTiers(fc.Tiers); err != nil {
		return nil, err
	}
	for _, o := range c.Overrides {
		p := c.Default.clone()
		if err := decodeStrict(&o.policy, &p); err != nil {
			return nil, fmt.Errorf("project override %q: %w", o.Match, err)
		}
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("project override %q: %w", o.Match, err)
		}
	}
	return c, nil
}

func decodeStrict(n *yaml.Node, out *Policy) error {
	if n.Kind == 0 {
		return nil
	}
	var buf bytes.Buffer
	if err := yaml.NewEncoder(&buf).Encode(n); err != nil {
		return err
	}
	dec := yaml.NewDecoder(&buf)
	dec.KnownFields(true)
	return dec.Decode(out)
}

// For returns the policy of the project at projectPath.
func (c *Config) For(projectPath string) Policy {
	p := c.Default.clone()
	for _, o := range c.Overrides {
		if Matches(o.Match, projectPath) {
			// Validated by Parse; a failure here leaves the fields decoded so far.
			_ = decodeStrict(&o.policy, &p)
		}
	}
	return p
}

// Matches reports whether name matches a path.Match glob, where a trailing
// "/**" matches everything below a prefix.
func Matches(pattern, name string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "/**"); ok {
		return strings.HasPrefix(name, prefix+"/")
	}
	ok, err := path.Match(pattern, name)
	return err == nil && ok
}

func (p Policy) clone() Policy {
	out := p
	out.Days = cloneMap(p.Days)
	out.Assignees = append([]Assignment(nil), p.Assignees...)
	out.Labels.Always = append([]string(nil), p.Labels.Always...)
	out.Labels.Severity = cloneMap(p.Labels.Severity)
	out.Labels.Priority = cloneMap(p.Labels.Priority)
	out.Labels.Colors = cloneMap(p.Labels.Colors)
	return out
}

func cloneMap[V any](m map[string]V) map[string]V {
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Validate reports the first setting that cannot work.
func (p *Policy) Validate() error {
	for _, c := range []string{"critical", "high", "medium", "low"} {
		if d, ok := p.Days[c]; !ok || d <= 0 {
			return fmt.Errorf("days.%s must be a positive number of days", c)
		}
	}
	if p.NearBreachDays < 0 {
		return fmt.Errorf("near_breach_days must not be negative")
	}
	switch p.ClockStart {
	case ClockFirstSeen, ClockFixAvailable:
	default:
		return fmt.Errorf("clock_start %q: want %s or %s", p.ClockStart, ClockFirstSeen, ClockFixAvailable)
	}
	switch p.GroupBy {
	case GroupByVulnerability, GroupByPackage, GroupByImage:
	default:
		return fmt.Errorf("group_by %q: want %s, %s or %s", p.GroupBy, GroupByVulnerability, GroupByPackage, GroupByImage)
	}
	switch strings.ToLower(p.ExceptionRole) {
	case "guest", "reporter", "developer", "maintainer", "owner":
	default:
		return fmt.Errorf("exception_role %q: want guest, reporter, developer, maintainer or owner", p.ExceptionRole)
	}
	for _, a := range p.Assignees {
		if _, err := path.Match(a.Pattern, ""); err != nil {
			return fmt.Errorf("assignee pattern %q: %w", a.Pattern, err)
		}
	}
	return nil
}

// AssigneesFor returns the usernames assigned to issues of a project and its
// images.
func (p *Policy) AssigneesFor(projectPath string, images []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range p.Assignees {
		hit := Matches(a.Pattern, projectPath)
		for _, img := range images {
			hit = hit || Matches(a.Pattern, img)
		}
		if !hit {
			continue
		}
		for _, u := range a.Users {
			if !seen[u] {
				seen[u] = true
				out = append(out, u)
			}
		}
	}
	return out
}
