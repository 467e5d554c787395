package scan

import (
	"context"

	"github.com/anchore/grype/grype/presenter/models"
	"github.com/anchore/grype/grype/vulnerability"

	"gitlab.com/vigil-vm/vigil/ci/match"
	"gitlab.com/vigil-vm/vigil/ci/vulndb"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// matched is what the findings are built from.
type matched struct {
	Matches []models.Match
	Aliases map[string][]string
	Distro  *findings.Distro
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
		if c, ok := inv.cache.loadMatch(inv.key, dbID); ok {
			m := &matched{Matches: c.Matches, Aliases: c.Aliases}
			if c.DistroName != "" {
				m.Distro = &findings.Distro{Name: c.DistroName, Version: c.DistroVersion}
			}
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
	c := &cachedMatch{Matches: res.Matches, Aliases: res.Aliases}
	if res.Distro != nil {
		m.Distro = &findings.Distro{Name: string(res.Distro.Type), Version: res.Distro.VersionString()}
		c.DistroName, c.DistroVersion = m.Distro.Name, m.Distro.Version
	}
	if dbID != "" {
		if err := inv.cache.storeMatch(inv.key, dbID, c); err != nil {
			o.Log.Warn("match result not cached", "err", err)
		}
	}
	return m, nil
}
