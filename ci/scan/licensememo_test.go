package scan

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
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
// another license. Each
// rebuild's packages (purls, licenses, locations) equal those of a cold
// scan of it; the first matched no license text again, the second only
// the text it changed.
func TestRebuiltImageSBOMEqualsColdScan(t *testing.T) {
	ctx := context.Background()
	texts := map[string][]byte{}
	for _, name := range []string{"MIT", "ISC"} {
		b, err := os.ReadFile(filepath.Join(root, "ci", "sbom", "testdata", name+".txt"))
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
	// A new text (never matched before) under another license.
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
	matched := map[string]int{}
	for _, tag := range []string{"1.0", "1.1", "1.2"} {
		ref := reg.Host + "/group/app:" + tag
		got, n := sbomPackages(ctx, t, ref, cache)
		matched[tag] = n
		if tag == "1.0" {
			continue
		}
		want, _ := sbomPackages(ctx, t, ref, t.TempDir())
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
	t.Logf("license texts matched: %v", matched)
	if matched["1.0"] == 0 || matched["1.1"] != 0 || matched["1.2"] != 1 {
		t.Errorf("license texts matched by licensecheck: %v, want some for 1.0, none for 1.1, the changed one for 1.2", matched)
	}
}

// sbomPackages catalogs ref with cache and describes each package by
// purl, licenses and locations; it also returns how many license texts
// licensecheck matched (read from the scan's debug log).
func sbomPackages(ctx context.Context, t *testing.T, ref, cache string) ([]string, int) {
	t.Helper()
	logs := &recordingHandler{}
	o := options(t, ref)
	o.Image.CacheDir = cache
	o.Log = slog.New(logs)
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
	n, ok := logs.attr("license texts matched", "matched")
	if !ok {
		t.Fatal("the scan logged no count of license texts matched")
	}
	return out, int(n.Int64())
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

func layer(t *testing.T, files map[string][]byte) v1.Layer {
	t.Helper()
	l, err := crane.Layer(files)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func imageOf(t *testing.T, layers ...v1.Layer) v1.Image {
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

// recordingHandler keeps every log record, at every level.
type recordingHandler struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler            { return h }
func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r.Clone())
	return nil
}

// attr is attribute key of the last record whose message is msg.
func (h *recordingHandler) attr(msg, key string) (slog.Value, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var v slog.Value
	found := false
	for _, r := range h.records {
		if r.Message != msg {
			continue
		}
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == key {
				v, found = a.Value, true
			}
			return true
		})
	}
	return v, found
}
