package monitor

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/mod/modfile"

	"github.com/anchore/syft/syft/pkg"
	syftsbom "github.com/anchore/syft/syft/sbom"

	"gitlab.com/vigil-vm/vigil/ci/sbom"
	"gitlab.com/vigil-vm/vigil/internal/demoimage"
)

// base is the real package data the fleets are made of, cataloged by syft
// once per test process: a Debian dpkg database and os-release
// ($VIGIL_BENCH_ROOTFS, e.g. the bookworm root filesystem `go run ./bench`
// debootstraps, else the demo image's), and applications: the go.mod of
// every module of vigil's build list that requires at least minAppDeps
// modules (grype, syft, client-go, River, …: real dependency sets), vigil's
// own go.mod, bench/npm's package-lock.json and the demo's vulnerable Go
// binary.
var base struct {
	once sync.Once
	s    *syftsbom.SBOM
	os   []pkg.Package   // the distro's packages
	apps [][]pkg.Package // each application's packages
	err  error
}

const minAppDeps = 30

func baseSBOM(tb testing.TB) *syftsbom.SBOM {
	tb.Helper()
	base.once.Do(func() { base.err = catalogBase(context.Background()) })
	if base.err != nil {
		tb.Fatal(base.err)
	}
	return base.s
}

func catalogBase(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "vigil-monitor-base-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	rootfs := os.Getenv("VIGIL_BENCH_ROOTFS")
	if rootfs == "" {
		rootfs = filepath.Join(root, "testdata", "rootfs")
	}
	files := map[string]string{
		"etc/os-release":             filepath.Join(rootfs, "etc", "os-release"),
		"var/lib/dpkg/status":        filepath.Join(rootfs, "var", "lib", "dpkg", "status"),
		"apps/vigil/go.mod":          filepath.Join(root, "go.mod"),
		"apps/web/package.json":      filepath.Join(root, "bench", "npm", "package.json"),
		"apps/web/package-lock.json": filepath.Join(root, "bench", "npm", "package-lock.json"),
	}
	mods, err := appModules(ctx)
	if err != nil {
		return err
	}
	for i, m := range mods {
		files[fmt.Sprintf("apps/mod%02d/go.mod", i)] = m
	}
	for to, from := range files {
		data, err := os.ReadFile(from)
		if err != nil {
			return err
		}
		if err := writeFile(filepath.Join(dir, to), data); err != nil {
			return err
		}
	}
	app, err := demoimage.BuildApp(ctx, root)
	if err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, "apps", "vulnapp", "vulnapp"), app); err != nil {
		return err
	}
	res, err := sbom.FromDir(ctx, dir, "vigil", "test")
	if err != nil {
		return err
	}
	base.s = res.SBOM
	byApp := map[string][]pkg.Package{}
	for _, p := range res.SBOM.Artifacts.Packages.Sorted() {
		loc := ""
		if ls := p.Locations.ToSlice(); len(ls) > 0 {
			loc = ls[0].RealPath
		}
		if app, ok := strings.CutPrefix(strings.TrimPrefix(loc, "/"), "apps/"); ok {
			name, _, _ := strings.Cut(app, "/")
			byApp[name] = append(byApp[name], p)
			continue
		}
		base.os = append(base.os, p)
	}
	for _, name := range slices.Sorted(maps.Keys(byApp)) {
		base.apps = append(base.apps, byApp[name])
	}
	return nil
}

// appModules lists the go.mod files of vigil's build list that require at
// least minAppDeps modules.
func appModules(ctx context.Context) ([]string, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", "all")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -m all: %w", err)
	}
	var mods []string
	for _, d := range strings.Fields(string(out)) {
		data, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err != nil || d == root {
			continue
		}
		f, err := modfile.ParseLax("go.mod", data, nil)
		if err == nil && len(f.Require) >= minAppDeps {
			mods = append(mods, filepath.Join(d, "go.mod"))
		}
	}
	return mods, nil
}

func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o755)
}

// fleet makes n SBOMs of about size packages each, as a fleet of images
// would hold: every third image is on the Debian base (the distro and its
// packages), the others are distroless; each holds the packages of
// application i (round robin over the base's applications, topped up from
// the next ones up to size), and about a third of all versions are moved up
// or down a minor or patch release, as images built at different times
// hold. The same seed gives the same fleet.
func fleet(tb testing.TB, n, size int, seed uint64) []*syftsbom.SBOM {
	b := baseSBOM(tb)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]*syftsbom.SBOM, n)
	for i := range out {
		picked := make([]pkg.Package, 0, size)
		add := func(p pkg.Package) {
			if r.IntN(3) == 0 {
				p.Version = vary(p.Version, r.IntN(5)-2)
			}
			p.SetID()
			picked = append(picked, p)
		}
		debian := (int(seed)+i)%3 == 0
		if debian {
			for _, p := range base.os {
				add(p)
			}
		}
		for a := int(seed) + i; len(picked) < size && a < int(seed)+i+len(base.apps); a++ {
			for _, p := range base.apps[a%len(base.apps)] {
				if len(picked) < size {
					add(p)
				}
			}
		}
		s := *b
		s.Artifacts.Packages = pkg.NewCollection(picked...)
		s.Relationships = nil
		if !debian {
			s.Artifacts.LinuxDistribution = nil
		}
		s.Source.ID = fmt.Sprintf("fleet-%d-%d", seed, i)
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
