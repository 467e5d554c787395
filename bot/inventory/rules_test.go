package inventory

import "testing"

func TestGlob(t *testing.T) {
	for _, c := range []struct {
		pattern, s string
		want       bool
	}{
		{"*.dkr.ecr.*.amazonaws.com/billing/**", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/billing/invoicer", true},
		{"*.dkr.ecr.*.amazonaws.com/billing/**", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/billing", true},
		{"*.dkr.ecr.*.amazonaws.com/billing/**", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/billingx/a", false},
		{"registry.gitlab.com/payments/**", "registry.gitlab.com/payments/api/worker", true},
		{"prod-*", "prod-eu", true},
		{"prod-*", "staging-eu", false},
	} {
		if got := glob(c.pattern, c.s); got != c.want {
			t.Errorf("glob(%q, %q) = %v", c.pattern, c.s, got)
		}
	}
}

func TestApplyOwnerPrecedenceAndTierInheritance(t *testing.T) {
	d := "sha256:1"
	rules := Rules{
		Owners:      []OwnerRule{{Match: Match{Namespace: "payments"}, Project: "rule/owner"}},
		Tiers:       []TierRule{{Match: Match{Cluster: "prod-*", Labels: map[string]string{"env": "prod"}}, Tier: "production"}},
		DefaultTier: "unclassified",
	}
	run := func(ns, owner string, labels map[string]string) Asset {
		return Asset{Kind: KindCluster, Digest: d, Owner: owner, Running: &Running{Cluster: "prod-eu", Namespace: ns, Labels: labels}}
	}
	assets := []Asset{
		{Kind: KindRegistry, Digest: d, Owner: "gitlab/project"},
		run("payments", "", map[string]string{"env": "prod"}),                                             // registry owner beats the rule
		run("payments", "annotated/project", nil),                                                         // the source's own owner stays
		{Kind: KindRegistry, Digest: "sha256:2"},                                                          // runs nowhere: default tier
		{Kind: KindCluster, Digest: "sha256:3", Running: &Running{Cluster: "dev", Namespace: "payments"}}, // rule owner
	}
	rules.Apply(assets)
	want := []struct{ owner, tier string }{
		{"gitlab/project", "production"}, {"gitlab/project", "production"}, {"annotated/project", "unclassified"},
		{"", "unclassified"}, {"rule/owner", "unclassified"},
	}
	for i, w := range want {
		if assets[i].Owner != w.owner || assets[i].Tier != w.tier {
			t.Errorf("asset %d: owner %q tier %q, want %q %q", i, assets[i].Owner, assets[i].Tier, w.owner, w.tier)
		}
	}
}
