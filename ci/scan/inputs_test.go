package scan

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"gitlab.com/vigil-vm/vigil/internal/registrytest"
)

// Every input kind of the same image finds the same vulnerabilities.
func TestScanInputKinds(t *testing.T) {
	t.Parallel()
	want := scanKeys(t, demoRef)

	lp := t.TempDir()
	l, err := layout.Write(lp, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.AppendImage(demoImg); err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "demo.tar")
	tag, _ := name.NewTag("registry.example/group/demo:1.0")
	if err := tarball.WriteToFile(archive, tag, demoImg); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"oci-layout:" + lp, "docker-archive:" + archive} {
		if got := scanKeys(t, target); !slices.Equal(got, want) {
			t.Errorf("%s found %v, registry found %v", target, got, want)
		}
	}

	// A directory holds the OS packages (no Go binary in testdata/rootfs).
	got := scanKeys(t, "dir:"+filepath.Join(root, "testdata", "rootfs"))
	if !slices.Contains(got, "libssl3 CVE-2024-0727") || slices.ContainsFunc(got, func(k string) bool { return strings.HasPrefix(k, "golang.org/") }) {
		t.Errorf("dir scan found %v", got)
	}
}

func scanKeys(t *testing.T, target string) []string {
	t.Helper()
	out, err := Run(context.Background(), options(t, target))
	if err != nil {
		t.Fatalf("%s: %v", target, err)
	}
	return keys(out.Report)
}

// A layer whose bytes do not match its digest is refused, not scanned.
func TestScanCorruptLayer(t *testing.T) {
	t.Parallel()
	layers, _ := demoImg.Layers()
	bad, _ := layers[0].Digest()
	corrupt := func(reg http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/blobs/"+bad.String()) {
				rec := httptest.NewRecorder()
				reg.ServeHTTP(rec, r)
				body := rec.Body.Bytes()
				body[len(body)/2] ^= 0xff
				w.WriteHeader(rec.Code)
				w.Write(body)
				return
			}
			reg.ServeHTTP(w, r)
		})
	}
	ref := registrytest.New(t, corrupt).Push(t, "group/demo:1.0", demoImg)
	o := options(t, ref)
	_, err := Run(context.Background(), o)
	if err == nil {
		t.Fatal("a corrupt layer was scanned")
	}
	if !strings.Contains(err.Error(), "read image") {
		t.Errorf("err = %v", err)
	}
}
