package resolve

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"

	"gitlab.com/vigil-vm/vigil/internal/registrytest"
)

// A tag whose manifest cannot be read costs only itself: the others are
// resolved and grouped by digest, and the error names the broken one.
func TestTagsBrokenTagCostsOnlyItself(t *testing.T) {
	broken := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodHead && strings.HasSuffix(r.URL.Path, "/manifests/broken") {
				w.WriteHeader(http.StatusNotFound)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	reg := registrytest.New(t, broken)
	img, _ := random.Image(64, 1)
	for _, tag := range []string{"1.0", "latest", "broken"} {
		reg.Push(t, "app:"+tag, img)
	}
	repo, _ := name.NewRepository(reg.Host+"/app", name.Insecure)
	assets, err := Tags(context.Background(), repo, []string{"1.0", "latest", "broken"}, NewLimit(2), Options(authn.NewMultiKeychain(), nil)...)
	if err == nil || !strings.Contains(err.Error(), "1 of 3 tags") || !strings.Contains(err.Error(), ":broken") {
		t.Errorf("error: %v", err)
	}
	if len(assets) != 1 || strings.Join(assets[0].Tags, ",") != "1.0,latest" {
		t.Errorf("assets: %+v", assets)
	}
}
