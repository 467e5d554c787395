package image

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"gitlab.com/vigil-vm/vigil/internal/registrytest"
)

// A layer blob that arrives damaged fails the read and is not cached; the
// next pull of the intact blob fills the cache.
func TestDamagedLayerIsNotCached(t *testing.T) {
	img := mustRandom(t)
	layers, _ := img.Layers()
	layer, _ := layers[0].Digest()
	var damage atomic.Bool
	damaging := func(reg http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !damage.Load() || r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/blobs/"+layer.String()) {
				reg.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			reg.ServeHTTP(rec, r)
			body := rec.Body.Bytes()
			if len(body) > 0 {
				body[len(body)/2] ^= 0xff // same size, other bytes
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			w.Write(body)
		})
	}
	ref := registrytest.New(t, damaging).Host + "/group/app:1.0"
	push(t, ref, img)

	cache := t.TempDir()
	readLayers := func() error {
		img, err := Acquire(context.Background(), Input{Kind: KindRegistry, Ref: ref}, Options{Insecure: true, CacheDir: cache, Env: env()})
		if err != nil {
			return err
		}
		layers, err := img.Image.Layers()
		if err != nil {
			return err
		}
		for _, l := range layers {
			rc, err := l.Compressed()
			if err != nil {
				return err
			}
			_, err = io.Copy(io.Discard, rc)
			rc.Close()
			if err != nil {
				return err
			}
		}
		return nil
	}
	cached := func() int {
		es, _ := os.ReadDir(filepath.Join(cache, "blobs"))
		n := 0
		for _, e := range es {
			if !strings.HasPrefix(e.Name(), ".") {
				n++
			}
		}
		return n
	}

	damage.Store(true)
	if err := readLayers(); err == nil || !strings.Contains(err.Error(), "verifying") {
		t.Fatalf("reading a damaged layer blob: %v, want a verification error", err)
	}
	if n := cached(); n != 0 {
		t.Fatalf("%d damaged blobs cached", n)
	}
	damage.Store(false)
	if err := readLayers(); err != nil {
		t.Fatal(err)
	}
	if n := cached(); n != 1 {
		t.Errorf("%d blobs cached after an intact pull, want 1", n)
	}
}
