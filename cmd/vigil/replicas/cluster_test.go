package replicas

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
	"gitlab.com/vigil-vm/vigil/internal/postgrestest"
	"gitlab.com/vigil-vm/vigil/internal/vigiltest"
)

const (
	secret    = "hook-s3cret"
	markerKey = "test-marker-key-0123456789abcdef"
)

// cluster is a GitLab double, one PostgreSQL database and the bot
// replicas sharing it, behind a round-robin proxy the double's hooks target.
type cluster struct {
	t        testing.TB
	gl       *gitlabdouble.Server
	token    string
	database string
	args     []string // extra flags of every replica
	replicas []*replica
	next     atomic.Uint64
	front    *httptest.Server
}

type replica struct {
	cmd   *exec.Cmd
	url   string
	proxy *httputil.ReverseProxy
	dead  atomic.Bool
}

func newCluster(t testing.TB, n int, args ...string) *cluster {
	t.Helper()
	bin := vigiltest.Binary(t)
	c := &cluster{t: t, database: postgrestest.URL(t), args: args,
		gl: gitlabdouble.NewTest(t, gitlabdouble.WithHookRetries(8, 20*time.Millisecond))}
	_, c.token = c.gl.AddUser("vigil-bot", gitlabdouble.Maintainer)
	c.front = httptest.NewServer(http.HandlerFunc(c.serve))
	t.Cleanup(c.front.Close)
	for range n {
		c.start(bin)
	}
	return c
}

// serve hands each request to the next live replica, as a load balancer
// that health-checks its backends would.
func (c *cluster) serve(w http.ResponseWriter, r *http.Request) {
	for range len(c.replicas) {
		rep := c.replicas[c.next.Add(1)%uint64(len(c.replicas))]
		if !rep.dead.Load() {
			rep.proxy.ServeHTTP(w, r)
			return
		}
	}
	http.Error(w, "no replica", http.StatusBadGateway)
}

func (c *cluster) start(bin string) {
	c.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		c.t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, append([]string{"bot", "--listen", addr, "--log-level", "warn"}, c.args...)...)
	cmd.Env = append(os.Environ(), "VIGIL_GITLAB_URL="+c.gl.URL(), "VIGIL_GITLAB_TOKEN="+c.token,
		"VIGIL_WEBHOOK_SECRET="+secret, "VIGIL_MARKER_KEY="+markerKey, "VIGIL_DATABASE_URL="+c.database)
	cmd.Stderr = &prefixed{t: c.t, prefix: fmt.Sprintf("replica %d: ", len(c.replicas))}
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	u, _ := url.Parse("http://" + addr)
	rep := &replica{cmd: cmd, url: u.String(), proxy: httputil.NewSingleHostReverseProxy(u)}
	rep.proxy.Transport = &http.Transport{MaxIdleConnsPerHost: 64}
	// A killed replica's requests fail; GitLab retries them, to another.
	rep.proxy.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusBadGateway) }
	c.replicas = append(c.replicas, rep)
	c.t.Cleanup(func() {
		if !rep.dead.Load() {
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(rep.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("replica %d not ready: %v", len(c.replicas)-1, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill ends replica i with SIGKILL: no shutdown, jobs left running.
func (c *cluster) kill(i int) {
	rep := c.replicas[i]
	rep.dead.Store(true)
	rep.cmd.Process.Kill()
	rep.cmd.Wait()
}

// project adds a project, with files on its default branch, whose hook
// reaches the cluster.
func (c *cluster) project(path string, files map[string][]byte) gitlabdouble.Project {
	p := c.gl.AddProject(gitlabdouble.ProjectSpec{Path: path, Files: files})
	c.gl.AddHook(p.ID, gitlabdouble.HookSpec{URL: c.front.URL + "/webhooks/gitlab", Token: secret,
		Events: []string{"job_events", "pipeline_events", "merge_requests_events"}})
	return p
}

// scan finishes a pipeline of a build job and a scan job with rep as its
// findings: three deliveries.
func (c *cluster) scan(p gitlabdouble.Project, rep findings.Report) {
	data, err := json.Marshal(rep)
	if err != nil {
		c.t.Fatal(err)
	}
	c.gl.FinishPipeline(p.ID, gitlabdouble.PipelineSpec{Jobs: []gitlabdouble.JobSpec{
		{Name: "build", Stage: "build"},
		{Name: "vigil-scan", Stage: "test", Artifacts: map[string][]byte{"vigil-findings.json": data}},
	}})
}

// prefixed passes a replica's log lines to the test log.
type prefixed struct {
	t      testing.TB
	prefix string
}

func (p *prefixed) Write(b []byte) (int, error) {
	p.t.Logf("%s%s", p.prefix, b)
	return len(b), nil
}

// Test findings: real CVE ids and versions.
var (
	xText = findings.Finding{
		Vulnerability: findings.Vulnerability{ID: "GO-2022-1059", Aliases: []string{"CVE-2022-32149"}, Severity: findings.High},
		Package:       findings.Package{Name: "golang.org/x/text", Version: "v0.3.5", Type: "go-module", Locations: []findings.Location{{Path: "/app/server"}}},
		Fix:           findings.Fix{State: findings.FixAvailable, Versions: []string{"0.3.8"}},
	}
	xNet = findings.Finding{
		Vulnerability: findings.Vulnerability{ID: "GO-2023-2102", Aliases: []string{"CVE-2023-44487"}, Severity: findings.High},
		Package:       findings.Package{Name: "golang.org/x/net", Version: "v0.7.0", Type: "go-module", Locations: []findings.Location{{Path: "/app/server"}}},
		Fix:           findings.Fix{State: findings.FixAvailable, Versions: []string{"0.17.0"}},
	}
	zlib = findings.Finding{
		Vulnerability: findings.Vulnerability{ID: "CVE-2023-45853", Severity: findings.Critical},
		Package:       findings.Package{Name: "zlib1g", Version: "1:1.2.13.dfsg-1", Type: "deb", Locations: []findings.Location{{Path: "/var/lib/dpkg/status"}}},
		Fix:           findings.Fix{State: findings.FixWontFix},
	}
)

// report is a scan of project's image at digest.
func report(project, digest string, fs ...findings.Finding) findings.Report {
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	asset := findings.Asset{Kind: "image", Repository: "registry.example/" + project, Digest: digest, Tags: []string{"main"}}
	var out []findings.Finding
	for _, f := range fs {
		f.Fingerprint = findings.FingerprintFor(project, asset, f)
		out = append(out, f)
	}
	return findings.Report{Schema: findings.SchemaID, Project: project,
		Scanner: findings.Scanner{Name: "vigil", Version: "test", Matcher: "grype v0.121.2", DB: findings.DB{Built: t0}},
		Started: t0, Ended: t0, Asset: asset, Findings: out}
}

// waitIdle waits until no delivery waits in the inbox and River has no
// delivery job left to do.
func waitIdle(t testing.TB, db *sql.DB, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var n int
		err := db.QueryRow(`SELECT (SELECT COUNT(*) FROM vigil_inbox WHERE moved_at = '') +
			(SELECT COUNT(*) FROM river_job WHERE kind = 'vigil_delivery' AND state NOT IN ('completed', 'discarded', 'cancelled'))`).Scan(&n)
		if err == nil && n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries still waiting or running after %v (%v)", n, within, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
