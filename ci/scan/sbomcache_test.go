package scan

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/registrytest"
)

// blobCounter serves a registry and counts GETs of each layer blob.
type blobCounter struct {
	mu     sync.Mutex
	layers map[string]int // layer digest -> GETs
}

func (c *blobCounter) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			if i := strings.LastIndex(r.URL.Path, "/blobs/"); i >= 0 {
				c.mu.Lock()
				if _, ok := c.layers[r.URL.Path[i+len("/blobs/"):]]; ok {
					c.layers[r.URL.Path[i+len("/blobs/"):]]++
				}
				c.mu.Unlock()
			}
		}
		h.ServeHTTP(w, r)
	})
}

func (c *blobCounter) reset() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for k, v := range c.layers {
		n += v
		c.layers[k] = 0
	}
	return n
}

// dropLayers empties the layer cache but keeps cached SBOMs: a scan that
// needs a layer must then fetch it from the registry, where it is counted.
func dropLayers(t *testing.T, dir string) {
	t.Helper()
	dir = projectCacheDir(dir, "group/demo")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "sboms" {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestRepeatScanOfSameDigestReadsNoLayer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	counter := &blobCounter{layers: map[string]int{}}
	layers, err := demoImg.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		d, _ := l.Digest()
		counter.layers[d.String()] = 0
	}
	ref := registrytest.New(t, counter.wrap).Push(t, "group/cached:1.0", demoImg)
	counter.reset()

	cacheDir := t.TempDir()
	scan := func(version string) ([]string, []string) {
		t.Helper()
		o := options(t, ref)
		o.Image.CacheDir, o.Version = cacheDir, version
		out, err := Run(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		var sboms []string
		for _, f := range out.Files {
			if strings.Contains(f, "sbom") {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				sboms = append(sboms, componentsOf(t, b)...)
			}
		}
		b, err := json.Marshal(out.Report.Findings)
		if err != nil {
			t.Fatal(err)
		}
		distro := "no distro"
		if d := out.Report.Asset.Distro; d != nil {
			distro = d.Name + " " + d.Version
		}
		return append(keys(out.Report), string(b), distro), sboms
	}

	first, firstSBOM := scan("1.0")
	if n := counter.reset(); n < len(layers) {
		t.Fatalf("first scan fetched %d layer blobs, want every one of %d", n, len(layers))
	}
	dropLayers(t, cacheDir)

	second, secondSBOM := scan("1.0")
	if n := counter.reset(); n != 0 {
		t.Errorf("repeat scan of the same digest fetched %d layer blobs, want 0", n)
	}
	if !slices.Equal(first, second) {
		t.Errorf("repeat scan findings differ\nfirst:  %v\nsecond: %v", first, second)
	}
	if !slices.Equal(firstSBOM, secondSBOM) || len(firstSBOM) == 0 {
		t.Errorf("repeat scan SBOM differs: %d vs %d components", len(firstSBOM), len(secondSBOM))
	}

	dropLayers(t, cacheDir)
	if upgraded, _ := scan("1.1"); !slices.Equal(first, upgraded) {
		t.Errorf("findings after a vigil upgrade differ: %v", upgraded)
	}
	if n := counter.reset(); n < len(layers) {
		t.Errorf("scan by another vigil version fetched %d layer blobs: a cached SBOM of another version was used", n)
	}
}

func TestCorruptCacheEntriesAreRebuilt(t *testing.T) {
	t.Parallel()
	cacheDir := t.TempDir()
	o := options(t, demoRef)
	o.Image.CacheDir = cacheDir
	first, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, junk := range [][]byte{nil, []byte("not gzip"), gzipped(t, `{"artifacts": [`)} {
		entries, _ := filepath.Glob(filepath.Join(projectCacheDir(cacheDir, "group/demo"), "sboms", "*.gz"))
		if len(entries) < 3 { // SBOM, match result, one document per format
			t.Fatalf("cache entries: %v", entries)
		}
		for _, e := range entries {
			if err := os.WriteFile(e, junk, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		o.OutputDir = t.TempDir()
		again, err := Run(context.Background(), o)
		if err != nil {
			t.Fatalf("scan with corrupt cache entries (%q): %v", junk, err)
		}
		if !slices.Equal(keys(first.Report), keys(again.Report)) {
			t.Errorf("findings with corrupt cache entries differ: %v", keys(again.Report))
		}
	}
}

func TestNewDBBuildIsMatchedAgain(t *testing.T) {
	t.Parallel()
	db := t.TempDir()
	if err := os.CopyFS(db, os.DirFS(dbDir)); err != nil {
		t.Fatal(err)
	}
	cacheDir := t.TempDir()
	o := options(t, demoRef)
	o.Image.CacheDir, o.DB.Dir = cacheDir, db
	results := func() []string {
		m, _ := filepath.Glob(filepath.Join(projectCacheDir(cacheDir, "group/demo"), "sboms", "*.match2-*"))
		return m
	}
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if n := len(results()); n != 1 {
		t.Fatalf("match results cached for one DB: %d", n)
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(filepath.Join(db, "6", "vulnerability.db"), later, later); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if n := len(results()); n != 2 {
		t.Errorf("after the DB changed, match results cached: %d, want a second one", n)
	}
}

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.Bytes()
}

// componentsOf lists the purls of a CycloneDX document's components.
func componentsOf(t *testing.T, doc []byte) []string {
	t.Helper()
	var d struct{ Components []struct{ Purl string } }
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range d.Components {
		out = append(out, c.Purl)
	}
	slices.Sort(out)
	return out
}
