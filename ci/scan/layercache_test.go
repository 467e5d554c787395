package scan

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"gitlab.com/vigil-vm/vigil/internal/registrytest"
)

// TestRebuiltImageReusesCachedLayers scans an image, then a rebuild of it
// with a new digest but the same layers (only its config changed): the
// rebuild is cataloged again, its layers come from the layer cache.
func TestRebuiltImageReusesCachedLayers(t *testing.T) {
	t.Parallel()
	counter := &blobCounter{layers: map[string]int{}}
	layers, _ := demoImg.Layers()
	for _, l := range layers {
		d, _ := l.Digest()
		counter.layers[d.String()] = 0
	}
	reg := registrytest.New(t, counter.wrap)
	cfg, _ := demoImg.ConfigFile()
	cfg = cfg.DeepCopy()
	cfg.Config.Labels = map[string]string{"rebuilt": "yes"}
	rebuilt, err := mutate.ConfigFile(demoImg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for tag, img := range map[string]v1.Image{"1.0": demoImg, "1.1": rebuilt} {
		reg.Push(t, "group/app:"+tag, img)
	}
	counter.reset()
	cacheDir := t.TempDir()
	var got [][]string
	for _, tag := range []string{"1.0", "1.1"} {
		o := options(t, reg.Host+"/group/app:"+tag)
		o.Image.CacheDir = cacheDir
		out, err := Run(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, keys(out.Report))
		n := counter.reset()
		if tag == "1.0" && n != len(layers) {
			t.Errorf("first scan fetched %d layer blobs, want %d", n, len(layers))
		}
		if tag == "1.1" && n != 0 {
			t.Errorf("rebuilt image fetched %d layer blobs, want 0: every layer is cached", n)
		}
	}
	if !slices.Equal(got[0], got[1]) {
		t.Errorf("findings differ between the image and its rebuild:\n%v\n%v", got[0], got[1])
	}
	if sboms, _ := filepath.Glob(filepath.Join(projectCacheDir(cacheDir, "group/demo"), "sboms", "*.syft.json.gz")); len(sboms) != 2 {
		t.Errorf("cached SBOMs: %d, want one per digest", len(sboms))
	}
	if blobs, _ := os.ReadDir(filepath.Join(projectCacheDir(cacheDir, "group/demo"), "blobs")); len(blobs) != len(layers) {
		t.Errorf("cached blobs: %d, want %d", len(blobs), len(layers))
	}
	if unpacked, _ := filepath.Glob(filepath.Join(projectCacheDir(cacheDir, "group/demo"), "layers", "sha256-*")); len(unpacked) != len(layers) {
		t.Errorf("cached uncompressed layers: %d, want %d", len(unpacked), len(layers))
	}
}

// TestCacheRefusesLayerNotMatchingItsDiffID scans a crafted image whose
// config claims, for a layer of its own, the DiffID of the demo image's OS
// layer: had the cache trusted the claim, a later scan of the demo image
// would have read the crafted layer instead of its own. The scan fails
// saying why, nothing of the crafted image is cached, and the demo image
// then scans as it does with an empty cache.
func TestCacheRefusesLayerNotMatchingItsDiffID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	victim, err := demoImg.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	forged, err := random.Layer(4096, types.DockerLayer)
	if err != nil {
		t.Fatal(err)
	}
	crafted, err := mutate.AppendLayers(empty.Image, forged)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := crafted.ConfigFile()
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", "amd64"
	cfg.RootFS.DiffIDs = []v1.Hash{victim.RootFS.DiffIDs[0]}
	if crafted, err = mutate.ConfigFile(crafted, cfg); err != nil {
		t.Fatal(err)
	}
	reg := registrytest.New(t)
	craftedRef := reg.Push(t, "group/crafted:1.0", crafted)
	victimRef := reg.Push(t, "group/demo:1.0", demoImg)

	cacheDir := t.TempDir()
	o := options(t, craftedRef)
	o.Image.CacheDir = cacheDir
	_, err = Run(ctx, o)
	if err == nil || !strings.Contains(err.Error(), "not the DiffID "+victim.RootFS.DiffIDs[0].String()) {
		t.Fatalf("scan of an image claiming a wrong DiffID: err = %v, want the content refused", err)
	}
	t.Log(err)
	if left := cacheFiles(t, cacheDir); len(left) > 0 {
		t.Errorf("the refused image left %v in the cache", left)
	}

	want, err := Run(ctx, options(t, victimRef)) // a cache of its own
	if err != nil {
		t.Fatal(err)
	}
	o = options(t, victimRef)
	o.Image.CacheDir = cacheDir
	got, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(keys(got.Report), keys(want.Report)) || len(want.Report.Findings) == 0 {
		t.Errorf("demo image after the crafted one: %v, want %v", keys(got.Report), keys(want.Report))
	}
}

// cacheFiles lists the regular files under dir.
func cacheFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestRebuiltImageUsesUncompressedLayers drops the compressed blobs after
// the first scan: the rebuild still fetches no blob, since stereoscope is
// handed the verified uncompressed layers themselves (nothing to gunzip).
func TestRebuiltImageUsesUncompressedLayers(t *testing.T) {
	t.Parallel()
	counter := &blobCounter{layers: map[string]int{}}
	layers, _ := demoImg.Layers()
	for _, l := range layers {
		d, _ := l.Digest()
		counter.layers[d.String()] = 0
	}
	reg := registrytest.New(t, counter.wrap)
	cfg, _ := demoImg.ConfigFile()
	cfg = cfg.DeepCopy()
	cfg.Config.Labels = map[string]string{"rebuilt": "yes"}
	rebuilt, err := mutate.ConfigFile(demoImg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	reg.Push(t, "group/app:1.0", demoImg)
	reg.Push(t, "group/app:1.1", rebuilt)
	cacheDir := t.TempDir()
	var got [][]string
	for _, tag := range []string{"1.0", "1.1"} {
		counter.reset()
		o := options(t, reg.Host+"/group/app:"+tag)
		o.Image.CacheDir = cacheDir
		out, err := Run(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, keys(out.Report))
		if err := os.RemoveAll(filepath.Join(projectCacheDir(cacheDir, "group/demo"), "blobs")); err != nil {
			t.Fatal(err)
		}
	}
	if n := counter.reset(); n != 0 {
		t.Errorf("rebuilt image fetched %d layer blobs with only uncompressed layers cached, want 0", n)
	}
	if !slices.Equal(got[0], got[1]) || len(got[0]) == 0 {
		t.Errorf("findings differ between the image and its rebuild:\n%v\n%v", got[0], got[1])
	}
}
