package scan

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anchore/syft/syft/pkg"
	syftsbom "github.com/anchore/syft/syft/sbom"

	"gitlab.com/vigil-vm/vigil/ci/image"
	"gitlab.com/vigil-vm/vigil/ci/match"
	"gitlab.com/vigil-vm/vigil/ci/sbom"
	"gitlab.com/vigil-vm/vigil/ci/vulndb"
)

// rematchChunk is the size of the stored SBOMs re-matched: issue 7's target
// is stated for ~200-package SBOMs.
const rematchChunk = 200

// storedSBOMs reads the SBOMs in $VIGIL_BENCH_SBOMS (written by `go run
// ./bench`), or catalogs the demo image, and cuts each into SBOMs of at most
// rematchChunk packages that keep the distro and source: the shape of what a
// fleet's stored SBOMs look like to the matcher.
func storedSBOMs(b *testing.B) []*syftsbom.SBOM {
	var whole []*syftsbom.SBOM
	if dir := os.Getenv("VIGIL_BENCH_SBOMS"); dir != "" {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, f := range files {
			s, err := sbom.Decode(f)
			if err != nil {
				b.Fatal(err)
			}
			whole = append(whole, s)
		}
	} else {
		inv, err := inventory(context.Background(), withDefaults(Options{Target: demoRef, Version: "bench"}))
		if err != nil {
			b.Fatal(err)
		}
		whole = append(whole, inv.sbom.SBOM)
	}
	var out []*syftsbom.SBOM
	for _, s := range whole {
		var chunk []pkg.Package
		flush := func() {
			if len(chunk) == 0 {
				return
			}
			c := *s
			c.Artifacts.Packages = pkg.NewCollection(chunk...)
			out = append(out, &c)
			chunk = nil
		}
		for p := range s.Artifacts.Packages.Enumerate() {
			chunk = append(chunk, p)
			if len(chunk) == rematchChunk {
				flush()
			}
		}
		flush()
	}
	if len(out) == 0 {
		b.Fatal("no stored SBOMs")
	}
	return out
}

// BenchmarkRematch re-matches stored SBOMs against a freshly opened DB, as
// after a DB update: no image is pulled or cataloged. One op is one SBOM.
func BenchmarkRematch(b *testing.B) {
	ctx := context.Background()
	stored := storedSBOMs(b)
	start := time.Now()
	vp, _, err := vulndb.Open(ctx, vulndb.OpenOptions{Dir: dbDir})
	if err != nil {
		b.Fatal(err)
	}
	defer vp.Close()
	b.Logf("rematch: %d stored SBOMs, DB opened in %s", len(stored), time.Since(start).Round(time.Millisecond))
	m := match.New(vp)
	pkgs, i := 0, 0
	b.ResetTimer()
	for b.Loop() {
		s := stored[i%len(stored)]
		i++
		pkgs += s.Artifacts.Packages.PackageCount()
		if _, err := m.Match(ctx, s, &s.Source); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "sboms/s")
	b.ReportMetric(float64(pkgs)/float64(i), "pkgs/sbom")
}

// BenchmarkColdScan scans $VIGIL_BENCH_IMAGE (any --image target, e.g. the
// oci-layout `go run ./bench` writes) or the demo image with an empty layer
// and SBOM cache: pull, catalog, match and reports. Profile it with
// -cpuprofile to see where a cold scan's time goes.
func BenchmarkColdScan(b *testing.B) {
	target := os.Getenv("VIGIL_BENCH_IMAGE")
	if target == "" {
		target = demoRef
	}
	for b.Loop() {
		o := Options{
			Target: target, OutputDir: b.TempDir(), Version: "bench",
			Image: image.Options{CacheDir: b.TempDir(), Insecure: true, Env: func(string) string { return "" }},
			DB:    vulndb.OpenOptions{Dir: dbDir},
		}
		if _, err := Run(context.Background(), o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRematchParallel is BenchmarkRematch with one SBOM per CPU at a
// time, as a fleet re-match after a DB update would run it. Each worker
// opens the DB itself, so no worker waits for another's SQLite connection.
func BenchmarkRematchParallel(b *testing.B) {
	ctx := context.Background()
	stored := storedSBOMs(b)
	var next atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		vp, _, err := vulndb.Open(ctx, vulndb.OpenOptions{Dir: dbDir})
		if err != nil {
			b.Error(err)
			return
		}
		defer vp.Close()
		m := match.New(vp)
		for pb.Next() {
			s := stored[int(next.Add(1))%len(stored)]
			if _, err := m.Match(ctx, s, &s.Source); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sboms/s")
}
