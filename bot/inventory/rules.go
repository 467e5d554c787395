package inventory

import (
	"path"
	"strings"
	"time"
)

// Match selects assets; every field that is set must match. Globs are
// path.Match patterns where a trailing "/**" matches everything below.
type Match struct {
	Repository string            `yaml:"repository" json:"repository,omitempty"`
	Cluster    string            `yaml:"cluster" json:"cluster,omitempty"`
	Namespace  string            `yaml:"namespace" json:"namespace,omitempty"`
	Labels     map[string]string `yaml:"labels" json:"labels,omitempty"`
}

// OwnerRule gives matching assets a GitLab project as owner.
type OwnerRule struct {
	Match   `yaml:",inline"`
	Project string `yaml:"project"`
}

// TierRule gives matching assets a tier (production, staging, …).
type TierRule struct {
	Match `yaml:",inline"`
	Tier  string `yaml:"tier"`
}

// Rules tie assets to owners and tiers; the first matching rule wins.
type Rules struct {
	Owners      []OwnerRule `yaml:"owners"`
	Tiers       []TierRule  `yaml:"tiers"`
	DefaultTier string      `yaml:"default_tier"`
	// MaxScanAge makes a running digest whose last scan is older a gap
	// ("720h"); 0 accepts any scan.
	MaxScanAge time.Duration `yaml:"max_scan_age"`
}

// Matches reports whether a matches m.
func (m Match) Matches(a Asset) bool {
	if m.Repository != "" && !glob(m.Repository, a.Repository) {
		return false
	}
	if m.Cluster == "" && m.Namespace == "" && len(m.Labels) == 0 {
		return true
	}
	if a.Running == nil {
		return false
	}
	if m.Cluster != "" && !glob(m.Cluster, a.Running.Cluster) {
		return false
	}
	if m.Namespace != "" && !glob(m.Namespace, a.Running.Namespace) {
		return false
	}
	for k, v := range m.Labels {
		if got, ok := a.Running.Labels[k]; !ok || !glob(v, got) {
			return false
		}
	}
	return true
}

// Apply sets Owner and Tier on every asset. An owner the source knew (the
// GitLab project of its registry, a pod's app.gitlab.com/app annotation)
// stays; a running digest otherwise takes the owner of the same digest in a
// registry, then the first owner rule. A registry image no tier rule matches
// takes the tier of where its digest runs, so an image is as critical as
// its most critical deployment the rules name.
func (r Rules) Apply(assets []Asset) {
	registryOwner := map[string]string{}
	for _, a := range assets {
		if a.Kind == KindRegistry && a.Owner != "" && a.Digest != "" {
			registryOwner[a.Digest] = a.Owner
		}
	}
	for i := range assets {
		a := &assets[i]
		if a.Owner == "" {
			a.Owner = registryOwner[a.Digest]
		}
		if a.Owner == "" {
			a.Owner = r.owner(*a)
		}
		a.Tier = r.tier(*a)
	}
	runningTier := map[string]string{}
	for _, a := range assets {
		if a.Kind == KindCluster && a.Tier != "" && runningTier[a.Digest] == "" {
			runningTier[a.Digest] = a.Tier
		}
	}
	for i := range assets {
		a := &assets[i]
		if a.Tier == "" && a.Kind == KindRegistry {
			a.Tier = runningTier[a.Digest]
		}
		if a.Tier == "" {
			a.Tier = r.DefaultTier
		}
	}
}

func (r Rules) owner(a Asset) string {
	for _, o := range r.Owners {
		if o.Matches(a) {
			return o.Project
		}
	}
	return ""
}

func (r Rules) tier(a Asset) string {
	for _, t := range r.Tiers {
		if t.Matches(a) {
			return t.Tier
		}
	}
	return ""
}

// glob matches a path.Match pattern; a trailing "/**" matches the prefix's
// own path and everything below it, the prefix itself being a pattern
// ("*.dkr.ecr.*.amazonaws.com/billing/**").
func glob(pattern, s string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "/**"); ok {
		n := strings.Count(prefix, "/") + 1
		segs := strings.SplitN(s, "/", n+1)
		if len(segs) < n {
			return false
		}
		ok, err := path.Match(prefix, strings.Join(segs[:n], "/"))
		return err == nil && ok
	}
	ok, err := path.Match(pattern, s)
	return err == nil && ok
}
