// Package registrytest serves go-containerregistry's in-process registry on
// loopback for tests, and pushes images to it.
package registrytest

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Registry is a running test registry.
type Registry struct {
	Host string // host:port, to put in front of a repository
	URL  string // http://host:port
	srv  *httptest.Server
}

// New serves a registry until the test ends. wrap, when given, sits in front
// of it: a test counts requests or asks for credentials there.
func New(t testing.TB, wrap ...func(http.Handler) http.Handler) *Registry {
	t.Helper()
	r := Start(wrap...)
	t.Cleanup(r.Close)
	return r
}

// Start serves a registry until Close (for TestMain, which has no T).
func Start(wrap ...func(http.Handler) http.Handler) *Registry {
	var h http.Handler = registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	for _, w := range wrap {
		h = w(h)
	}
	srv := httptest.NewServer(h)
	return &Registry{Host: strings.TrimPrefix(srv.URL, "http://"), URL: srv.URL, srv: srv}
}

// Close stops the registry.
func (r *Registry) Close() { r.srv.Close() }

// Write pushes img as host/repoTag (e.g. "group/app:1.0") and returns its
// full reference.
func (r *Registry) Write(repoTag string, img v1.Image, opts ...remote.Option) (string, error) {
	ref, err := name.ParseReference(r.Host + "/" + repoTag)
	if err != nil {
		return "", fmt.Errorf("push %s: %w", repoTag, err)
	}
	if err := remote.Write(ref, img, opts...); err != nil {
		return "", fmt.Errorf("push %s: %w", ref, err)
	}
	return ref.String(), nil
}

// Push is Write that fails the test on error.
func (r *Registry) Push(t testing.TB, repoTag string, img v1.Image, opts ...remote.Option) string {
	t.Helper()
	ref, err := r.Write(repoTag, img, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}
