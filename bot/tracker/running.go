package tracker

import (
	"context"
	"slices"

	"gitlab.com/vigil-vm/vigil/bot/sla"
)

// addRunning fills g.Running from the inventory the ledger holds: where
// every digest of the group's open findings runs. Places name workloads
// (a Deployment, not its pods), so a rollout that keeps the digest changes
// nothing and costs no edit; a new place, or one gone, is one edit at the
// group's next reconcile.
func (t *Tracker) addRunning(ctx context.Context, g *group) error {
	seen := map[string]bool{}
	for _, f := range g.Open {
		if f.Digest == "" || seen[f.Digest] {
			continue
		}
		seen[f.Digest] = true
		places, err := t.ledger.Assets().Where(ctx, f.Digest)
		if err != nil {
			return err
		}
		for _, p := range places {
			if !slices.Contains(g.Running, p) {
				g.Running = append(g.Running, p)
			}
		}
	}
	slices.Sort(g.Running)
	return nil
}

// tierPolicy is the project's policy with the days of the group's asset
// tiers (sla.Config.ForTiers): the tiers the inventory gave the digests of
// its open findings.
func (t *Tracker) tierPolicy(ctx context.Context, g *group) (sla.Policy, error) {
	var tiers []string
	for _, f := range g.Open {
		got, err := t.ledger.Assets().Tiers(ctx, f.Digest)
		if err != nil {
			return sla.Policy{}, err
		}
		tiers = append(tiers, got...)
	}
	g.Tier = strictestTier(t.policies, tiers)
	return t.policies.ForTiers(g.ProjectPath, tiers), nil
}
