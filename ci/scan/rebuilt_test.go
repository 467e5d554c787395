package scan

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/anchore/syft/syft/pkg"
	"github.com/google/go-containerregistry/pkg/crane"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"gitlab.com/vigil-vm/vigil/internal/demoimage"
	"gitlab.com/vigil-vm/vigil/internal/registrytest"
)

// TestRebuiltImageSBOMEqualsColdScan scans an image whose Debian packages
// carry copyright files, then two rebuilds of it on the same base layers
// with the same cache: one whose new top layer holds only the program, and
// one whose top layer also replaces a package's copyright file with
// another license. Each rebuild's packages (purls, licenses, locations)
// equal those of a cold scan of it: whatever a scan takes from the cache
// (the base layers' content today) must step aside for a file the new top
// layer replaces.
func TestRebuiltImageSBOMEqualsColdScan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	texts := map[string][]byte{}
	for _, name := range []string{"MIT", "ISC"} {
		b, err := os.ReadFile(filepath.Join("testdata", "licenses", name+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		texts[name] = b
	}
	app, err := demoimage.BuildApp(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	demoLayers, _ := demoImg.Layers()
	docs := layer(t, map[string][]byte{
		"usr/share/doc/libexpat1/copyright": texts["MIT"],
		"usr/share/doc/tar/copyright":       texts["ISC"],
		"usr/share/doc/openssl/copyright":   texts["MIT"],
	})
	base := []v1.Layer{demoLayers[0], docs}
	newMIT := strings.Replace(string(texts["MIT"]), "2024 Example Authors", "2026 Other Authors", 1)
	images := map[string]v1.Image{
		"1.0": imageOf(t, append(base, demoLayers[1])...),
		"1.1": imageOf(t, append(base, layer(t, map[string][]byte{"usr/local/bin/vulnapp": app, "etc/build": []byte("1.1\n")}))...),
		"1.2": imageOf(t, append(base, layer(t, map[string][]byte{"usr/local/bin/vulnapp": app, "usr/share/doc/tar/copyright": []byte(newMIT)}))...),
	}
	reg := registrytest.New(t)
	for tag, img := range images {
		reg.Push(t, "group/app:"+tag, img)
	}
	cache := t.TempDir()
	for _, tag := range []string{"1.0", "1.1", "1.2"} {
		ref := reg.Host + "/group/app:" + tag
		got := sbomPackages(ctx, t, ref, cache)
		if tag == "1.0" {
			continue
		}
		want := sbomPackages(ctx, t, ref, t.TempDir())
		if !slices.Equal(got, want) {
			t.Errorf("%s scanned after 1.0: packages\n%s\nwant (cold scan)\n%s", tag, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		tarLicense := map[string]string{"1.1": "|ISC|", "1.2": "|MIT|"}[tag]
		if !slices.ContainsFunc(got, func(p string) bool {
			return strings.Contains(p, "pkg:deb/debian/tar@") && strings.Contains(p, tarLicense)
		}) {
			t.Errorf("%s: no %s license on tar in\n%s", tag, tarLicense, strings.Join(got, "\n"))
		}
	}
}

// sbomPackages catalogs ref with cache and describes each package by
// purl, licenses and locations.
func sbomPackages(ctx context.Context, t *testing.T, ref, cache string) []string {
	t.Helper()
	o := options(t, ref)
	o.Image.CacheDir = cache
	inv, err := inventory(ctx, withDefaults(o))
	if err != nil {
		t.Fatal(err)
	}
	s, err := inv.SBOM()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for p := range s.SBOM.Artifacts.Packages.Enumerate() {
		out = append(out, describe(p))
	}
	slices.Sort(out)
	return out
}

func describe(p pkg.Package) string {
	var ls, locs []string
	for _, l := range p.Licenses.ToSlice() {
		var at []string
		for _, loc := range l.Locations.ToSlice() {
			at = append(at, loc.RealPath+"@"+loc.FileSystemID)
		}
		ls = append(ls, fmt.Sprintf("%s|%s|%s|%v", l.Value, l.SPDXExpression, l.Type, at))
	}
	for _, loc := range p.Locations.ToSlice() {
		locs = append(locs, loc.RealPath+"@"+loc.FileSystemID)
	}
	return fmt.Sprintf("%s licenses %v locations %v", p.PURL, ls, locs)
}

func layer(t testing.TB, files map[string][]byte) v1.Layer {
	t.Helper()
	l, err := crane.Layer(files)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// imageOf is a linux/amd64 image of layers.
func imageOf(t testing.TB, layers ...v1.Layer) v1.Image {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", "amd64"
	img, err = mutate.ConfigFile(img, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return img
}
