package scan

import (
	"context"

	"gitlab.com/vigil-vm/vigil/ci/sbom"
)

// Catalog inventories o.Target through the caches a scan uses and returns
// its CycloneDX SBOM as a scan job writes it (GitLab's properties, vigil
// and syft as tools). Nothing is written to o.OutputDir. Continuous
// monitoring uses it for images no scan job left an SBOM for.
func Catalog(ctx context.Context, o Options) ([]byte, error) {
	o = withDefaults(o)
	inv, err := inventory(ctx, o)
	if err != nil {
		return nil, err
	}
	defer trimCache(o)
	return sbomDocument(sbom.CycloneDX, o, inv)
}

// SyftVersion is the version of syft that catalogs images.
func SyftVersion() string { return syftVersion }
