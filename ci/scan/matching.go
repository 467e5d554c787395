package scan

import (
	"context"

	"github.com/anchore/grype/grype/presenter/models"
	"github.com/anchore/grype/grype/vulnerability"

	"gitlab.com/vigil-vm/vigil/ci/match"
	"gitlab.com/vigil-vm/vigil/ci/vulndb"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// matched is what matching an SBOM against one DB gave: what the findings
// are built from, and what the cache keeps so a repeat scan needs neither the
// SBOM nor the matcher.
type matched struct {
	Matches []models.Match      `json:"matches"`
	Aliases map[string][]string `json:"aliases"`
	Distro  *findings.Distro    `json:"distro,omitempty"`
}

// matchInventory matches the inventory against the DB. An image whose SBOM
// is cached and was already matched against this very DB build reuses that
// result: matching is deterministic in SBOM and DB, so a repeat scan of an
// unchanged digest with an unchanged DB neither decodes the SBOM nor
// queries the DB. Any other scan matches, and caches the result.
func matchInventory(ctx context.Context, o Options, inv *inventoryResult, p vulnerability.Provider, st vulndb.Status) (*matched, error) {
	var dbID string
	if inv.cache != nil && st.Path != "" {
		dbID = dbIdentity(st)
		if m, ok := inv.cache.loadMatch(inv.key, dbID); ok {
			return m, nil
		}
	}
	s, err := inv.SBOM()
	if err != nil {
		return nil, err
	}
	res, err := match.New(p).Match(ctx, s.SBOM, &s.Source)
	if err != nil {
		return nil, err
	}
	m := &matched{Matches: res.Matches, Aliases: res.Aliases}
	if res.Distro != nil {
		m.Distro = &findings.Distro{Name: string(res.Distro.Type), Version: res.Distro.VersionString()}
	}
	if dbID != "" {
		if err := inv.cache.storeMatch(inv.key, dbID, m); err != nil {
			o.Log.Warn("match result not cached", "err", err)
		}
	}
	return m, nil
}
