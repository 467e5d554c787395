package verify

import (
	"context"
	"fmt"
	"sync"

	"github.com/anchore/grype/grype/vulnerability"

	"gitlab.com/vigil-vm/vigil/ci/image"
	"gitlab.com/vigil-vm/vigil/ci/match"
	"gitlab.com/vigil-vm/vigil/ci/sbom"
	"gitlab.com/vigil-vm/vigil/ci/vulndb"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Verifier scans images by reference. The DB is opened on first use and
// kept for the Verifier's life; Close releases it.
type Verifier struct {
	DB    vulndb.OpenOptions
	Image image.Options

	once    sync.Once
	matcher *match.Matcher
	db      vulnerability.Provider
	err     error
}

// Verify returns how many of claimed are found in current (before) and in
// candidate (after).
func (v *Verifier) Verify(ctx context.Context, current, candidate string, claimed []findings.Finding) (before, after int, err error) {
	if before, err = v.count(ctx, current, claimed); err != nil {
		return 0, 0, err
	}
	if after, err = v.count(ctx, candidate, claimed); err != nil {
		return 0, 0, err
	}
	return before, after, nil
}

// Close releases the DB.
func (v *Verifier) Close() error {
	if v.db != nil {
		return v.db.Close()
	}
	return nil
}

func (v *Verifier) count(ctx context.Context, ref string, claimed []findings.Finding) (int, error) {
	v.once.Do(func() {
		v.db, _, v.err = vulndb.Open(ctx, v.DB)
		if v.err == nil {
			v.matcher = match.New(v.db)
		}
	})
	if v.err != nil {
		return 0, v.err
	}
	img, err := image.Acquire(ctx, image.Input{Kind: image.KindRegistry, Ref: ref}, v.Image)
	if err != nil {
		return 0, err
	}
	inv, err := sbom.FromImage(ctx, img, "vigil", "verify")
	if err != nil {
		return 0, err
	}
	res, err := v.matcher.Match(ctx, inv.SBOM, &inv.Source)
	if err != nil {
		return 0, fmt.Errorf("verify %s: %w", ref, err)
	}
	want := map[string]bool{}
	for _, f := range claimed {
		want[f.Package.Name+"\x00"+f.Key()] = true
	}
	n := 0
	for _, f := range match.Findings("", findings.Asset{Repository: img.Repository}, res) {
		if want[f.Package.Name+"\x00"+f.Key()] {
			n++
		}
	}
	return n, nil
}
