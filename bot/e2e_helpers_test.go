package bot

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/clock"
	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
	"gitlab.com/vigil-vm/vigil/internal/postgrestest"
)

const (
	secret    = "hook-s3cret"
	markerKey = "test-marker-key-0123456789abcdef"
	apiToken  = "test-api-token"
)

// world is a GitLab double with one project and a running bot.
type world struct {
	t       *testing.T
	clock   *clock.Settable
	gl      *gitlabdouble.Server
	project gitlabdouble.Project
	token   string // the bot's GitLab token
	apiURL  string // the double's URL
	data    string
	dbs     map[string]string // on PostgreSQL: the database standing for each data file
	bot     *Service
	hookURL string
	handler atomic.Value // http.Handler of the running bot
	logs    io.Writer    // where the bot logs; discarded when nil
	stop    context.CancelFunc
	done    chan error
}

func newWorld(t *testing.T) *world {
	t.Helper()
	return newWorldRepo(t, nil)
}

// newWorldRepo is newWorld with files on the project's default branch.
func newWorldRepo(t *testing.T, files map[string][]byte) *world {
	t.Helper()
	c := clock.New(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	gl := gitlabdouble.NewTest(t, gitlabdouble.WithClock(c.Now), gitlabdouble.WithHookRetries(1, 10*time.Millisecond))
	_, token := gl.AddUser("vigil-bot", gitlabdouble.Maintainer)
	gl.AddUser("alice", gitlabdouble.Maintainer)
	gl.AddUser("dev", gitlabdouble.Developer)
	gl.AddUser("guest", gitlabdouble.Guest)
	p := gl.AddProject(gitlabdouble.ProjectSpec{Path: "group/app", Files: files})
	return &world{t: t, clock: c, gl: gl, project: p, token: token, apiURL: gl.URL(), data: filepath.Join(t.TempDir(), "vigil.db")}
}

func (w *world) config() *Config {
	cfg := DefaultConfig()
	cfg.Listen = ""
	cfg.GitLabURL = w.apiURL
	cfg.GitLabToken = w.token
	cfg.WebhookSecrets = []string{secret}
	cfg.MarkerKey = markerKey
	cfg.APIToken = apiToken
	cfg.Data = w.data
	cfg.Database = w.database()
	// River fetches at once when the bot enqueues; the poll only catches
	// what that misses (retries, jobs committed after the fetch). Each poll
	// prepares River's fetch statement anew on SQLite: at 20 ms it was a
	// quarter of this package's CPU.
	cfg.PollInterval = 100 * time.Millisecond
	cfg.SweepInterval = 0
	cfg.ShutdownTimeout = 5 * time.Second
	cfg.Patch = false // merge requests have their own test (e2e_patch_test.go)
	return cfg
}

// testDatabase names the database the end-to-end tests run on:
// VIGIL_TEST_DATABASE=postgres runs them on PostgreSQL (.ci/test does, as a
// second pass), anything else on SQLite files.
var testDatabase = os.Getenv("VIGIL_TEST_DATABASE")

// database is the PostgreSQL URL standing for the world's data file, a
// fresh database for each file a test names (a test that "loses" its file
// starts on an empty database), or "" on SQLite.
func (w *world) database() string {
	if testDatabase != "postgres" {
		return ""
	}
	if w.dbs == nil {
		w.dbs = map[string]string{}
	}
	u, ok := w.dbs[w.data]
	if !ok {
		u = postgrestest.URL(w.t)
		w.dbs[w.data] = u
	}
	return u
}

// start runs a bot on the world's data file; the project's hook points at
// a front server that always reaches the latest bot.
func (w *world) start(cfg *Config, opts ...Option) {
	w.t.Helper()
	if cfg == nil {
		cfg = w.config()
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out io.Writer = io.Discard
	if w.logs != nil {
		out = w.logs
	}
	log := slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := New(ctx, cfg, log, append([]Option{WithClock(w.clock.Now)}, opts...)...)
	if err != nil {
		cancel()
		w.t.Fatal(err)
	}
	w.handler.Store(s.Handler())
	w.bot, w.stop, w.done = s, cancel, make(chan error, 1)
	go func() { w.done <- s.Run(ctx) }()
	if w.hookURL == "" {
		front := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			w.handler.Load().(http.Handler).ServeHTTP(rw, r)
		}))
		w.t.Cleanup(front.Close)
		w.hookURL = front.URL + "/webhooks/gitlab"
		w.gl.AddHook(w.project.ID, gitlabdouble.HookSpec{URL: w.hookURL, Token: secret, Events: []string{
			"job_events", "pipeline_events", "issues_events", "confidential_issues_events", "note_events", "confidential_note_events",
		}})
		w.t.Cleanup(w.shutdown)
	}
}

// shutdown stops the bot and waits for Run to return.
func (w *world) shutdown() {
	if w.stop == nil {
		return
	}
	w.stop()
	select {
	case <-w.done:
	case <-time.After(20 * time.Second):
		w.t.Error("bot did not stop")
	}
	w.stop = nil
}

// settle waits until every webhook is delivered and every job is done.
func (w *world) settle() {
	w.t.Helper()
	w.settleWithin(30 * time.Second)
}

func (w *world) settleWithin(d time.Duration) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for range 3 { // a job's writes send hooks, whose jobs may write again
		if err := w.gl.WaitDeliveries(ctx); err != nil {
			w.t.Fatal(err)
		}
		if err := w.bot.WaitIdle(ctx); err != nil {
			w.t.Fatal(err)
		}
	}
}

// scan finishes a pipeline whose vigil-scan job produced the report.
func (w *world) scan(rep findings.Report) {
	w.t.Helper()
	data, err := json.Marshal(rep)
	if err != nil {
		w.t.Fatal(err)
	}
	if err := findings.Validate(data); err != nil {
		w.t.Fatalf("test report is invalid: %v", err)
	}
	w.scanArtifacts(map[string][]byte{"vigil-findings.json": data})
}

func (w *world) scanArtifacts(files map[string][]byte) {
	w.t.Helper()
	w.scanArtifactsWithin(files, 30*time.Second)
}

func (w *world) scanArtifactsWithin(files map[string][]byte, d time.Duration) {
	w.t.Helper()
	w.gl.FinishPipeline(w.project.ID, gitlabdouble.PipelineSpec{Jobs: []gitlabdouble.JobSpec{
		{Name: "build", Stage: "build"},
		{Name: "vigil-scan", Stage: "test", Artifacts: files},
	}})
	w.settleWithin(d)
}

func (w *world) issue(title string) gitlabdouble.Issue {
	w.t.Helper()
	for _, is := range w.gl.Issues(w.project.ID) {
		if is.Title == title {
			return is
		}
	}
	w.t.Fatalf("no issue titled %q; have %v", title, titles(w.gl.Issues(w.project.ID)))
	return gitlabdouble.Issue{}
}

func (w *world) userNotes(iid int) []string {
	var out []string
	for _, n := range w.gl.Notes(w.project.ID, iid) {
		if !n.System {
			out = append(out, n.Body)
		}
	}
	return out
}

func (w *world) metrics() string {
	w.t.Helper()
	rec := httptest.NewRecorder()
	w.bot.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec.Body.String()
}

func titles(issues []gitlabdouble.Issue) []string {
	var out []string
	for _, is := range issues {
		out = append(out, is.Title+" ["+is.State+"]")
	}
	return out
}

// Test findings: real CVE ids and versions; severity, KEV and fix data as a
// scanner with NVD/GHSA/KEV data would report them.
var (
	xText = findings.Finding{
		Vulnerability: findings.Vulnerability{ID: "GO-2022-1059", Aliases: []string{"CVE-2022-32149", "GHSA-69ch-w2m2-3vjp"}, Severity: findings.High,
			CVSS: []findings.CVSS{{Source: "nvd", Version: "3.1", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", BaseScore: 7.5}},
			URLs: []string{"https://pkg.go.dev/vuln/GO-2022-1059"}},
		Package: findings.Package{Name: "golang.org/x/text", Version: "v0.3.5", Type: "go-module", PURL: "pkg:golang/golang.org/x/text@v0.3.5",
			Locations: []findings.Location{{Path: "/app/server"}}},
		Fix: findings.Fix{State: findings.FixAvailable, Versions: []string{"0.3.8"}},
	}
	xNet = findings.Finding{
		Vulnerability: findings.Vulnerability{ID: "GO-2023-2102", Aliases: []string{"CVE-2023-44487", "GHSA-qppj-fm5r-hxr3"}, Severity: findings.High,
			KEV: &findings.KEV{DateAdded: "2026-10-30", DueDate: "2026-11-12"}, EPSS: &findings.EPSS{Score: 0.94, Percentile: 0.99}},
		Package: findings.Package{Name: "golang.org/x/net", Version: "v0.7.0", Type: "go-module", Locations: []findings.Location{{Path: "/app/server"}}},
		Fix:     findings.Fix{State: findings.FixAvailable, Versions: []string{"0.17.0"}},
	}
	zlib = findings.Finding{
		Vulnerability: findings.Vulnerability{ID: "CVE-2023-45853", Severity: findings.Critical},
		Package:       findings.Package{Name: "zlib1g", Version: "1:1.2.13.dfsg-1", Type: "deb", Locations: []findings.Location{{Path: "/var/lib/dpkg/status"}}},
		Fix:           findings.Fix{State: findings.FixWontFix},
	}
	medium = findings.Finding{
		Vulnerability: findings.Vulnerability{ID: "CVE-2023-4039", Severity: findings.Medium},
		Package:       findings.Package{Name: "libgcc-s1", Version: "12.2.0-14", Type: "deb"},
		Fix:           findings.Fix{State: findings.FixUnavailable},
	}
)

func report(digest string, fs ...findings.Finding) findings.Report {
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	asset := findings.Asset{Kind: "image", Repository: "registry.example/group/app", Digest: digest, Tags: []string{"main"}}
	var out []findings.Finding
	for _, f := range fs {
		f.Fingerprint = findings.FingerprintFor("group/app", asset, f)
		out = append(out, f)
	}
	return findings.Report{Schema: findings.SchemaID, Project: "group/app",
		Scanner: findings.Scanner{Name: "vigil", Version: "test", Matcher: "grype v0.121.2", DB: findings.DB{Built: t0}},
		Started: t0, Ended: t0, Asset: asset, Findings: out}
}

func hasLabel(is gitlabdouble.Issue, l string) bool {
	for _, x := range is.Labels {
		if x == l {
			return true
		}
	}
	return false
}

func writesSummary(calls []gitlabdouble.Call) string {
	var s []string
	for _, c := range calls {
		s = append(s, c.Method+" "+c.Path)
	}
	return strings.Join(s, "\n")
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// noEnv is an empty environment: what a test's inventory config expands from.
func noEnv(string) string { return "" }
