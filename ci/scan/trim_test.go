package scan

import (
	"context"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"gitlab.com/vigil-vm/vigil/internal/registrytest"
)

// TestConcurrentScansShareABoundedCache runs two scans at once on one cache
// directory (two jobs on one runner) with a limit that cannot hold both
// images: both succeed with the findings of an uncached scan, and the
// directory ends within the limit.
func TestConcurrentScansShareABoundedCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	extra, err := random.Layer(4<<20, types.DockerLayer)
	if err != nil {
		t.Fatal(err)
	}
	bigger, err := mutate.AppendLayers(demoImg, extra)
	if err != nil {
		t.Fatal(err)
	}
	reg := registrytest.New(t)
	refs := []string{reg.Push(t, "group/demo:1.0", demoImg), reg.Push(t, "group/demo:1.1", bigger)}

	var want [][]string
	var sizes []int64
	for _, ref := range refs {
		o := options(t, ref)
		out, err := Run(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, keys(out.Report))
		sizes = append(sizes, dirSize(t, o.Image.CacheDir))
	}
	limit := (sizes[0] + sizes[1]) / 2 // below the larger image alone

	shared := t.TempDir()
	got := make([][]string, len(refs))
	errs := make([]error, len(refs))
	var wg sync.WaitGroup
	for k, ref := range refs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := options(t, ref)
			o.Image.CacheDir, o.CacheMaxSize = shared, limit
			out, err := Run(ctx, o)
			if errs[k] = err; err == nil {
				got[k] = keys(out.Report)
			}
		}()
	}
	wg.Wait()
	for k := range refs {
		if errs[k] != nil {
			t.Errorf("scan of %s beside another: %v", refs[k], errs[k])
		} else if !slices.Equal(got[k], want[k]) || len(want[k]) == 0 {
			t.Errorf("scan of %s beside another found %v, want %v", refs[k], got[k], want[k])
		}
	}
	if n := dirSize(t, shared); n > limit {
		t.Errorf("cache holds %d bytes after both scans, limit %d", n, limit)
	}
}

func dirSize(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	for _, f := range cacheFiles(t, dir) {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		n += fi.Size()
	}
	return n
}
