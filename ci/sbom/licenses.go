package sbom

import (
	"context"
	"sync"

	"github.com/anchore/syft/syft"
)

// licenseScanner is syft's license scanner, built once per process: building
// it compiles every license text into one automaton (~0.7 s of CPU), and
// syft builds it again for each SBOM unless the context already holds one.
// licensecheck's scanner only reads that automaton once built, so the scans
// of one process can share it.
var licenseScanner = sync.OnceValues(func() (context.Context, error) {
	return syft.SetContextLicenseScanner(context.Background(), config("", "").Licenses)
})

// withLicenseScanner returns ctx carrying the shared license scanner; its
// deadline and cancellation stay ctx's.
func withLicenseScanner(ctx context.Context) (context.Context, error) {
	values, err := licenseScanner()
	if err != nil {
		return nil, err
	}
	return withValues{Context: ctx, values: values}, nil
}

// withValues is ctx with the values of another context underneath its own.
type withValues struct {
	context.Context
	values context.Context
}

func (c withValues) Value(key any) any {
	if v := c.Context.Value(key); v != nil {
		return v
	}
	return c.values.Value(key)
}
