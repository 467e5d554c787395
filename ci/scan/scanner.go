package scan

import (
	"context"
	"time"

	"github.com/anchore/grype/grype/vulnerability"

	"gitlab.com/vigil-vm/vigil/ci/vulndb"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Scanner scans several targets against one DB, opened once: the
// verifier's case, which compares a base image with its candidates. Each
// scan takes the same path as Run, caches included, and writes no report.
type Scanner struct {
	o  Options
	p  vulnerability.Provider
	st vulndb.Status
}

// Open opens o.DB for a Scanner; o.Target and o.OutputDir are ignored.
func Open(ctx context.Context, o Options) (*Scanner, error) {
	o = withDefaults(o)
	p, st, err := vulndb.Open(ctx, o.DB)
	if err != nil {
		return nil, err
	}
	return &Scanner{o: o, p: p, st: st}, nil
}

// Report scans target (as Options.Target) and returns its findings.
func (s *Scanner) Report(ctx context.Context, target string) (*findings.Report, error) {
	o := s.o
	o.Target = target
	started := time.Now().UTC()
	inv, err := inventory(ctx, o)
	if err != nil {
		return nil, err
	}
	defer trimCache(o)
	return assemble(ctx, o, inv, s.p, s.st, started)
}

// Close releases the DB.
func (s *Scanner) Close() error { return s.p.Close() }
