package sla

import (
	"fmt"
	"slices"
)

// TierDays is the asset-tier axis of the policy: remediation days for
// findings in images of a tier (production, …), the inventory's tier of
// where the image lives or runs. Only days: grouping, labels and roles stay
// the project's, so a tier never splits or relabels an issue by itself.
type TierDays struct {
	Tier string         `yaml:"tier"`
	Days map[string]int `yaml:"days"`
}

func (c *Config) parseTiers(tiers []TierDays) error {
	seen := map[string]bool{}
	for _, t := range tiers {
		if t.Tier == "" {
			return fmt.Errorf("a tier policy has no tier")
		}
		if seen[t.Tier] {
			return fmt.Errorf("tier %q given twice", t.Tier)
		}
		seen[t.Tier] = true
		for class, n := range t.Days {
			if _, ok := c.Default.Days[class]; !ok || n <= 0 {
				return fmt.Errorf("tier %q: days.%s: want a positive number of days for critical, high, medium or low", t.Tier, class)
			}
		}
		c.Tiers = append(c.Tiers, t)
	}
	return nil
}

// ForTiers is For(projectPath) with the days of the first tier, in the
// file's order, among tiers (the tiers the group's images have): list the
// strictest tier first and an image in production and staging gets
// production's days.
func (c *Config) ForTiers(projectPath string, tiers []string) Policy {
	p := c.For(projectPath)
	for _, t := range c.Tiers {
		if slices.Contains(tiers, t.Tier) {
			for class, n := range t.Days {
				p.Days[class] = n
			}
			break
		}
	}
	return p
}
