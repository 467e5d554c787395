// Package gartest is a stand-in for Google Artifact Registry's (and GCR's)
// Docker API on loopback: /v2/ and the tags-list extension, whose answer
// carries "child" repositories and a "manifest" map of digests with their
// tags, sizes and times, as go-containerregistry's pkg/v1/google reads it.
package gartest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/google"
)

// Server is a running stand-in.
type Server struct {
	Host  string // host:port
	mu    sync.Mutex
	repos map[string]map[string]google.ManifestInfo // path → digest → info
	fail  map[string]int                            // path → status to answer
	srv   *httptest.Server
}

// New serves an empty registry until the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{repos: map[string]map[string]google.ManifestInfo{}, fail: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.Host = strings.TrimPrefix(s.srv.URL, "http://")
	t.Cleanup(s.srv.Close)
	return s
}

// Add puts a manifest in the repository at path ("project/repo/image").
func (s *Server) Add(path, digest string, info google.ManifestInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.repos[path] == nil {
		s.repos[path] = map[string]google.ManifestInfo{}
	}
	s.repos[path][digest] = info
}

// Fail makes the tags list of path answer status.
func (s *Server) Fail(path string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[path] = status
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/v2/" {
		w.WriteHeader(http.StatusOK)
		return
	}
	path, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/v2/"), "/tags/list")
	if !ok || r.Method != http.MethodGet {
		http.Error(w, `{"errors":[{"code":"UNSUPPORTED"}]}`, http.StatusNotFound)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.fail[path]; st != 0 {
		code := "UNAVAILABLE"
		if st == http.StatusForbidden || st == http.StatusUnauthorized {
			code = "DENIED"
		}
		http.Error(w, `{"errors":[{"code":"`+code+`","message":"caller lacks permission"}]}`, st)
		return
	}
	out := google.Tags{Name: path, Manifests: s.repos[path], Children: s.children(path), Tags: []string{}}
	if out.Manifests == nil && len(out.Children) == 0 {
		http.Error(w, `{"errors":[{"code":"NAME_UNKNOWN"}]}`, http.StatusNotFound)
		return
	}
	if out.Manifests == nil {
		out.Manifests = map[string]google.ManifestInfo{}
	}
	for _, m := range out.Manifests {
		out.Tags = append(out.Tags, m.Tags...)
	}
	sort.Strings(out.Tags)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// children are the next path segments of every repository below path.
func (s *Server) children(path string) []string {
	seen := map[string]bool{}
	for p := range s.repos {
		rest, ok := strings.CutPrefix(p, path+"/")
		if !ok {
			continue
		}
		child, _, _ := strings.Cut(rest, "/")
		seen[child] = true
	}
	out := []string{}
	for c := range seen {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}
