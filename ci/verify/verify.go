package verify

import (
	"context"
	"fmt"
	"sync"

	"gitlab.com/vigil-vm/vigil/ci/image"
	"gitlab.com/vigil-vm/vigil/ci/scan"
	"gitlab.com/vigil-vm/vigil/ci/vulndb"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Verifier scans images by reference through the scan pipeline and its
// caches (set Image.CacheDir: the base image a bump starts from is then
// cataloged once, not once per candidate). The DB is opened on first use and
// kept for the Verifier's life; Close releases it.
type Verifier struct {
	DB    vulndb.OpenOptions
	Image image.Options

	once    sync.Once
	scanner *scan.Scanner
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
	if v.scanner != nil {
		return v.scanner.Close()
	}
	return nil
}

func (v *Verifier) count(ctx context.Context, ref string, claimed []findings.Finding) (int, error) {
	v.once.Do(func() {
		v.scanner, v.err = scan.Open(ctx, scan.Options{DB: v.DB, Image: v.Image, Version: "verify"})
	})
	if v.err != nil {
		return 0, v.err
	}
	// A reference is always a registry image here, whatever it looks like.
	rep, err := v.scanner.Report(ctx, "registry:"+ref)
	if err != nil {
		return 0, fmt.Errorf("verify %s: %w", ref, err)
	}
	want := map[string]bool{}
	for _, f := range claimed {
		want[f.Package.Name+"\x00"+f.Key()] = true
	}
	n := 0
	for _, f := range rep.Findings {
		if want[f.Package.Name+"\x00"+f.Key()] {
			n++
		}
	}
	return n, nil
}
