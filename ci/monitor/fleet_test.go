package monitor

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"

	"github.com/anchore/syft/syft/pkg"
	syftsbom "github.com/anchore/syft/syft/sbom"

	"gitlab.com/vigil-vm/vigil/ci/sbom"
	"gitlab.com/vigil-vm/vigil/internal/demoimage"
)

// base is one real SBOM, cataloged by syft once per test process from real
// package data: a Debian dpkg database and os-release ($VIGIL_BENCH_ROOTFS,
// e.g. the bookworm root filesystem `go run ./bench` debootstraps, else the
// demo image's), vigil's own go.mod and go.sum, bench/npm's package-lock.json
// and the demo's vulnerable Go binary.
var base struct {
	once sync.Once
	s    *syftsbom.SBOM
	err  error
}

func baseSBOM(tb testing.TB) *syftsbom.SBOM {
	tb.Helper()
	base.once.Do(func() { base.s, base.err = catalogBase(context.Background()) })
	if base.err != nil {
		tb.Fatal(base.err)
	}
	return base.s
}

func catalogBase(ctx context.Context) (*syftsbom.SBOM, error) {
	dir, err := os.MkdirTemp("", "vigil-monitor-base-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	rootfs := os.Getenv("VIGIL_BENCH_ROOTFS")
	if rootfs == "" {
		rootfs = filepath.Join(root, "testdata", "rootfs")
	}
	app, err := demoimage.BuildApp(ctx, root)
	if err != nil {
		return nil, err
	}
	files := map[string]string{
		"etc/os-release":            filepath.Join(rootfs, "etc", "os-release"),
		"var/lib/dpkg/status":       filepath.Join(rootfs, "var", "lib", "dpkg", "status"),
		"src/vigil/go.mod":          filepath.Join(root, "go.mod"),
		"src/vigil/go.sum":          filepath.Join(root, "go.sum"),
		"src/web/package.json":      filepath.Join(root, "bench", "npm", "package.json"),
		"src/web/package-lock.json": filepath.Join(root, "bench", "npm", "package-lock.json"),
	}
	for to, from := range files {
		data, err := os.ReadFile(from)
		if err != nil {
			return nil, err
		}
		if err := writeFile(filepath.Join(dir, to), data); err != nil {
			return nil, err
		}
	}
	if err := writeFile(filepath.Join(dir, "usr", "local", "bin", "vulnapp"), app); err != nil {
		return nil, err
	}
	res, err := sbom.FromDir(ctx, dir, "vigil", "test")
	if err != nil {
		return nil, err
	}
	return res.SBOM, nil
}

func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o755)
}

// fleet makes n SBOMs of size packages each from the base SBOM: each a
// sample of its packages (so each holds a different mix of Debian, Go and
// npm packages) with about a third of their versions moved up or down a
// minor or patch release, as a fleet of images built at different times
// would hold. The same seed gives the same fleet.
func fleet(tb testing.TB, n, size int, seed uint64) []*syftsbom.SBOM {
	b := baseSBOM(tb)
	all := b.Artifacts.Packages.Sorted()
	if size > len(all) {
		size = len(all)
	}
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]*syftsbom.SBOM, n)
	for i := range out {
		picked := make([]pkg.Package, 0, size)
		for _, j := range r.Perm(len(all))[:size] {
			p := all[j]
			if r.IntN(3) == 0 {
				p.Version = vary(p.Version, r.IntN(5)-2)
			}
			p.SetID()
			picked = append(picked, p)
		}
		s := *b
		s.Artifacts.Packages = pkg.NewCollection(picked...)
		s.Relationships = nil
		s.Source.ID = fmt.Sprintf("fleet-%d", i)
		out[i] = &s
	}
	return out
}

var versionParts = regexp.MustCompile(`^(v?|\d+:)(\d+)\.(\d+)(?:\.(\d+))?(.*)$`)

// vary moves a version's patch (or minor) release by delta, never below 0.
func vary(v string, delta int) string {
	m := versionParts.FindStringSubmatch(v)
	if m == nil || delta == 0 {
		return v
	}
	bump := func(s string) string {
		n, _ := strconv.Atoi(s)
		return strconv.Itoa(max(0, n+delta))
	}
	if m[4] != "" {
		return m[1] + m[2] + "." + m[3] + "." + bump(m[4]) + m[5]
	}
	return m[1] + m[2] + "." + bump(m[3]) + m[5]
}

func packAll(tb testing.TB, ss []*syftsbom.SBOM) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		p, err := Pack(s)
		if err != nil {
			tb.Fatal(err)
		}
		out[i] = p
	}
	return out
}
