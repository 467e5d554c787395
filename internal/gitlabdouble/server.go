package gitlabdouble

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// apiPrefix is where GitLab serves REST API v4.
const apiPrefix = "/api/v4"

// Server is an in-memory GitLab. All state is guarded by mu; handlers hold it
// for the whole request so that every API call is atomic, as in GitLab.
type Server struct {
	mu       sync.Mutex
	clock    func() time.Time
	version  string
	logger   *slog.Logger
	rng      *rand.Rand
	baseURL  string
	mux      *http.ServeMux
	hookHTTP *http.Client
	retry    retryPolicy

	users    map[int]*userState
	tokens   map[string]int
	projects map[int]*projectState
	byPath   map[string]int
	ids      idCounters

	calls      []Call
	faults     map[string]*faultState
	deliveries []*Delivery
	inflight   int
	// lifecycleHooks sends pending and running Job/Pipeline Hooks before the final ones.
	lifecycleHooks bool
	// scopedLabels makes "key::value" labels mutually exclusive, as in GitLab Premium and Ultimate.
	scopedLabels bool
	// registry is the container registry the registry API describes (see container_registry.go).
	registry registryState
	// oauth is GitLab as an OAuth provider (see oauth.go).
	oauth      oauthState
	stop       context.Context
	cancelStop context.CancelFunc
}

// idCounters hands out instance-wide ids, as GitLab's database sequences do.
type idCounters struct {
	user, project, namespace, issue, note, label, mr, pipeline, job, hook, registry, upload int
}

func (c *idCounters) next(p *int) int { *p++; return *p }

// Option configures a Server.
type Option func(*Server)

// WithClock sets the clock used for every timestamp; tests move time forward with it.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.clock = now } }

// WithGitLabVersion sets the version reported by /version and in webhook User-Agents.
func WithGitLabVersion(v string) Option { return func(s *Server) { s.version = v } }

// WithLogger sets the logger for webhook delivery failures and other events.
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.logger = l } }

// WithSeed makes fault injection reproducible.
func WithSeed(seed uint64) Option {
	return func(s *Server) { s.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }
}

// WithBaseURL sets the external URL used in web_url fields and Link headers
// when the server is mounted by the caller rather than by NewTest or Serve.
func WithBaseURL(u string) Option { return func(s *Server) { s.baseURL = strings.TrimSuffix(u, "/") } }

// WithHookClient sets the HTTP client used to deliver webhooks.
func WithHookClient(c *http.Client) Option { return func(s *Server) { s.hookHTTP = c } }

// WithHookRetries sets how often and how fast a failed webhook delivery is retried.
func WithHookRetries(attempts int, backoff time.Duration) Option {
	return func(s *Server) { s.retry = retryPolicy{attempts: attempts, backoff: backoff} }
}

// WithLifecycleHooks makes FinishPipeline send the pending and running
// Pipeline and Job Hooks GitLab sends before the final ones, so receivers
// are tested against events for jobs whose artifacts do not exist yet.
func WithLifecycleHooks() Option { return func(s *Server) { s.lifecycleHooks = true } }

// WithScopedLabels makes "key::value" labels mutually exclusive on an issue
// or merge request, as GitLab Premium and Ultimate do (GitLab Free treats
// them as plain labels, which is the default here).
func WithScopedLabels() Option { return func(s *Server) { s.scopedLabels = true } }

// New returns a Server with empty state that is not yet listening.
func New(opts ...Option) *Server {
	s := &Server{
		clock:    time.Now,
		version:  "18.5.1",
		logger:   slog.New(slog.DiscardHandler),
		rng:      rand.New(rand.NewPCG(1, 2)),
		baseURL:  "http://gitlab.example.com",
		hookHTTP: &http.Client{Timeout: 10 * time.Second},
		retry:    retryPolicy{attempts: 4, backoff: 50 * time.Millisecond},
		users:    map[int]*userState{},
		tokens:   map[string]int{},
		projects: map[int]*projectState{},
		byPath:   map[string]int{},
		faults:   map[string]*faultState{},
	}
	s.stop, s.cancelStop = context.WithCancel(context.Background())
	for _, o := range opts {
		o(s)
	}
	s.mux = http.NewServeMux()
	s.routes()
	return s
}

// NewTest starts s on an httptest server that is closed, with pending
// webhook deliveries abandoned, when the test ends.
func NewTest(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := New(opts...)
	ts := httptest.NewServer(s.Handler())
	s.mu.Lock()
	s.baseURL = ts.URL
	s.mu.Unlock()
	t.Cleanup(func() {
		s.stopDeliveries()
		ts.Close()
	})
	return s
}

// Serve serves the API on ln until ctx is done.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.mu.Lock()
	s.baseURL = "http://" + ln.Addr().String()
	s.mu.Unlock()
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		s.stopDeliveries()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(shutdown)
	}()
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve gitlab double: %w", err)
	}
	return nil
}

// URL is the base URL of the instance, without /api/v4.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.baseURL
}

// APIURL is the base URL client-go expects: URL()+"/api/v4".
func (s *Server) APIURL() string { return s.URL() + apiPrefix }

// Handler serves the whole instance: the REST API under /api/v4.
func (s *Server) Handler() http.Handler { return s.mux }

func (s *Server) now() time.Time { return s.clock().UTC().Truncate(time.Millisecond) }

// route registers h for a GitLab-style route template such as
// "GET /projects/:id/jobs/:job_id/artifacts/*artifact_path". The template is
// what Calls and SetFault use to name the endpoint.
func (s *Server) route(template string, h func(*request)) {
	method, path, _ := strings.Cut(template, " ")
	var segs []string
	for seg := range strings.SplitSeq(path, "/") {
		switch {
		case strings.HasPrefix(seg, ":"):
			seg = "{" + seg[1:] + "}"
		case strings.HasPrefix(seg, "*"):
			seg = "{" + seg[1:] + "...}"
		}
		segs = append(segs, seg)
	}
	pattern := method + " " + apiPrefix + strings.Join(segs, "/")
	s.mux.Handle(pattern, s.endpoint(template, h))
}

func (s *Server) routes() {
	s.route("GET /version", s.getVersion)
	s.userRoutes()
	s.projectRoutes()
	s.labelRoutes()
	s.issueRoutes()
	s.noteRoutes()
	s.hookRoutes()
	s.jobRoutes()
	s.containerRegistryRoutes()
	s.pipelineRoutes()
	s.mergeRequestRoutes()
	s.repositoryRoutes()
	s.controlRoutes()
	s.uploadRoutes()
	s.oauthRoutes()
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "404 Not Found"})
	})
}

func (s *Server) getVersion(r *request) {
	r.json(http.StatusOK, map[string]any{"version": s.version, "revision": "d0ub1e00", "enterprise": false})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
