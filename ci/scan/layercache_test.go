package scan

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"gitlab.com/vigil-vm/vigil/internal/registrytest"
)

// TestRebuiltImageReusesCachedLayers scans an image, then a rebuild of it
// with a new digest but the same layers (only its config changed): the
// rebuild is cataloged again, its layers come from the layer cache.
func TestRebuiltImageReusesCachedLayers(t *testing.T) {
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
	if sboms, _ := filepath.Glob(filepath.Join(cacheDir, "sboms", "*.syft.json.gz")); len(sboms) != 2 {
		t.Errorf("cached SBOMs: %d, want one per digest", len(sboms))
	}
	if blobs, _ := os.ReadDir(filepath.Join(cacheDir, "blobs")); len(blobs) != len(layers) {
		t.Errorf("cached blobs: %d, want %d", len(blobs), len(layers))
	}
}
