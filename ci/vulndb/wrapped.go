package vulndb

import (
	"time"

	"github.com/anchore/grype/grype/distro"
	"github.com/anchore/grype/grype/vulnerability"
)

// Wrapped is the base of a provider that wraps grype's: embedding it
// forwards the provider's optional interfaces (data provenance, OS end of
// life), which embedding the bare vulnerability.Provider would hide from
// grype's matcher.
type Wrapped struct {
	vulnerability.Provider
}

// DataProvenance forwards vulnerability.StoreMetadataProvider.
func (w Wrapped) DataProvenance() (map[string]vulnerability.DataProvenance, error) {
	if dp, ok := w.Provider.(vulnerability.StoreMetadataProvider); ok {
		return dp.DataProvenance()
	}
	return nil, nil
}

// GetOperatingSystemEOL forwards vulnerability.EOLChecker.
func (w Wrapped) GetOperatingSystemEOL(d *distro.Distro) (eolDate, eoasDate *time.Time, err error) {
	if c, ok := w.Provider.(vulnerability.EOLChecker); ok {
		return c.GetOperatingSystemEOL(d)
	}
	return nil, nil, nil
}
