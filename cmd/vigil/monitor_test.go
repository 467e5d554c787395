package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	corev1 "k8s.io/api/core/v1"

	"gitlab.com/vigil-vm/vigil/bot"
	"gitlab.com/vigil-vm/vigil/ci/vulndb"
	"gitlab.com/vigil-vm/vigil/ci/vulndb/vulndbtest"
	"gitlab.com/vigil-vm/vigil/internal/demoimage"
	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
	"gitlab.com/vigil-vm/vigil/internal/kubetest"
	"gitlab.com/vigil-vm/vigil/internal/registrytest"
)

// expatAdvisory is the Debian record (expat, CVE-2023-52425, High) the
// second DB build adds and the third withdraws; the demo image's libexpat1
// comes from the expat source package at an affected version.
const expatAdvisory = "cve-2023-52425.json"

// buildWatched builds the hand-written records into dir, the directory the
// bot's monitoring watches, with or without the expat advisory.
func buildWatched(t *testing.T, dir string, withExpat bool, now time.Time) {
	t.Helper()
	osDir := filepath.Join(t.TempDir(), "os", "debian")
	if err := os.MkdirAll(osDir, 0o755); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(vulndbtest.Records(), "os", "debian")
	files, _ := filepath.Glob(filepath.Join(src, "*.json"))
	for _, f := range files {
		if filepath.Base(f) == expatAdvisory && !withExpat {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(osDir, filepath.Base(f)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := vulndbtest.Config(dir)
	cfg.OSDirs, cfg.Now = []string{filepath.Dir(osDir)}, now
	if _, err := vulndb.Build(context.Background(), cfg, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
}

// The issue's "done when": an image is inventoried and scanned; a new DB
// build adds an advisory for one of its packages; without any pipeline the
// issue appears, naming the DB build and where the image runs; the
// advisory withdrawn in the next build closes it. Twice: on a DB directory
// (an offline mirror) with the builds diffed; and on the online DB,
// published by a listing as grype's site does, with the last build
// forgotten before the withdrawal, so that the diff is a full re-match.
func TestMonitorEndToEnd(t *testing.T) {
	t.Parallel()
	t.Run("directory", func(t *testing.T) { testMonitorEndToEnd(t, false) })
	t.Run("online listing, full re-match", func(t *testing.T) { testMonitorEndToEnd(t, true) })
}

func testMonitorEndToEnd(t *testing.T, online bool) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	watched := filepath.Join(t.TempDir(), "db")
	t0 := time.Now().UTC().Truncate(time.Second)
	buildWatched(t, watched, false, t0)
	db, builds := vulndb.OpenOptions{Dir: watched}, filepath.Join(t.TempDir(), "builds")
	if online {
		db = vulndb.OpenOptions{Listing: liveListingServer(t, watched), CacheDir: t.TempDir()}
	}

	// The image: in a registry, running in a cluster, scanned by CI.
	reg, d, inv := runningDemoImage(t, ctx, "")
	out := t.TempDir()
	if code, _ := vigil(t, "scan", "--image", reg.Host+"/group/app:1.0", "--insecure-registry", "--db", watched,
		"--output-dir", out, "--fail-on", "none", "-q"); code != 0 {
		t.Fatalf("vigil scan exit %d", code)
	}
	artifacts := map[string][]byte{}
	reports := map[string]string{}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(out, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		artifacts[e.Name()] = data
		if strings.HasSuffix(e.Name(), ".cdx.json") {
			reports["cyclonedx"] = e.Name()
		}
	}
	if reports["cyclonedx"] == "" {
		t.Fatalf("vigil scan wrote no CycloneDX SBOM: %v", entries)
	}

	// The bot, with monitoring on the watched directory.
	gl := gitlabdouble.NewTest(t)
	p := gl.AddProject(gitlabdouble.ProjectSpec{Path: "group/app"})
	svc, front, settle := startMonitoringBot(t, ctx, gl, p, inv, newDBMatcher(db, builds))
	settle() // the inventory and the first check (no SBOM stored yet) run at start
	waitInventoried(t, front.URL, d.String(), "app-1")
	gl.FinishPipeline(p.ID, gitlabdouble.PipelineSpec{Jobs: []gitlabdouble.JobSpec{
		{Name: "vigil-scan", Artifacts: artifacts, Reports: reports}}})
	settle()
	if is := expatIssue(gl, p.ID); is != nil {
		t.Fatalf("CVE-2023-52425 tracked before any DB had it: %q", is.Title)
	}
	scanned := len(gl.Issues(p.ID))
	if scanned == 0 {
		t.Fatal("the scan opened no issue")
	}

	// A new build adds the expat advisory: no pipeline runs.
	t1 := t0.Add(time.Minute)
	buildWatched(t, watched, true, t1)
	if err := svc.MonitorNow(ctx); err != nil {
		t.Fatal(err)
	}
	settle()
	is := expatIssue(gl, p.ID)
	if is == nil {
		t.Fatalf("no issue for CVE-2023-52425 after the DB build that adds it; issues: %d", len(gl.Issues(p.ID)))
	}
	for _, want := range []string{"continuous monitoring (DB build of " + t1.Format(time.RFC3339), "prod/web/Pod/app-1/app", "libexpat1"} {
		if !strings.Contains(is.Description, want) {
			t.Errorf("issue lacks %q:\n%s", want, is.Description)
		}
	}
	if n := len(gl.Pipelines(p.ID)); n != 1 {
		t.Errorf("%d pipelines, want the one scan", n)
	}
	if got := len(gl.Issues(p.ID)); got != scanned+1 {
		t.Errorf("%d issues after the update, want %d: the re-match must not duplicate the scan's", got, scanned+1)
	}

	// The next build withdraws it: the issue closes with a note.
	if online {
		if err := os.RemoveAll(builds); err != nil { // no build to diff with: a full re-match
			t.Fatal(err)
		}
	}
	buildWatched(t, watched, false, t1.Add(time.Minute))
	if err := svc.MonitorNow(ctx); err != nil {
		t.Fatal(err)
	}
	settle()
	is = expatIssue(gl, p.ID)
	if is == nil || is.State != "closed" {
		t.Fatalf("CVE-2023-52425's issue after the withdrawal: %+v", is)
	}
	var notes []string
	for _, n := range gl.Notes(p.ID, is.IID) {
		notes = append(notes, n.Body)
	}
	why := "withdrawn"
	if online {
		why = "no longer matches libexpat1" // a full re-match cannot tell a withdrawal from a change
	}
	if all := strings.Join(notes, "\n"); !strings.Contains(all, why) || !strings.Contains(all, "continuous monitoring") {
		t.Errorf("closing notes do not say a DB build's advisory %s:\n%s", why, all)
	}
}

// runningDemoImage pushes the demo image to a registry as group/app:1.0 and
// runs it in pod web/app-1 of a cluster; inv is an inventory file listing
// that cluster, with rules (YAML) appended.
func runningDemoImage(t *testing.T, ctx context.Context, rules string) (*registrytest.Registry, v1.Hash, string) {
	t.Helper()
	root, _ := filepath.Abs("../..")
	reg := registrytest.New(t)
	img, err := demoimage.Image(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	reg.Push(t, "group/app:1.0", img)
	d, _ := img.Digest()
	kube := kubetest.New(t, kubetest.Cluster{Pods: []corev1.Pod{
		kubetest.RunningPod("web", "app-1", "app", reg.Host+"/group/app:1.0", reg.Host+"/group/app@"+d.String())}})
	inv := filepath.Join(t.TempDir(), "inventory.yml")
	yml := fmt.Sprintf("sources:\n  - {name: prod, type: kubernetes, kubeconfig: %q, context: prod}\n", kube.Kubeconfig(t, "prod")) + rules
	if err := os.WriteFile(inv, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	return reg, d, inv
}

// startMonitoringBot runs a bot with monitoring by m and the inventory
// file inv, a webhook of project p pointing at it; settle waits until
// GitLab's deliveries and the bot's queue are done.
func startMonitoringBot(t *testing.T, ctx context.Context, gl *gitlabdouble.Server, p gitlabdouble.Project, inv string, m *dbMatcher, opts ...bot.Option) (*bot.Service, *httptest.Server, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	_, token := gl.AddUser("vigil-bot", gitlabdouble.Maintainer)
	cfg := bot.DefaultConfig()
	cfg.Listen, cfg.GitLabURL, cfg.GitLabToken = "", gl.URL(), token
	cfg.WebhookSecrets, cfg.MarkerKey, cfg.APIToken = []string{"hook-secret"}, "marker-key-for-tests", "api-token-for-tests"
	cfg.Data = filepath.Join(t.TempDir(), "vigil.db")
	cfg.PollInterval, cfg.SweepInterval, cfg.ShutdownTimeout = 100*time.Millisecond, 0, 5*time.Second
	cfg.Patch, cfg.InventoryFile = false, inv
	svc, err := bot.New(ctx, cfg, slog.New(slog.DiscardHandler), append([]bot.Option{bot.WithMonitor(m, time.Hour)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	front := httptest.NewServer(svc.Handler())
	t.Cleanup(func() { front.Close(); cancel(); <-done; m.Close() })
	gl.AddHook(p.ID, gitlabdouble.HookSpec{URL: front.URL + "/webhooks/gitlab", Token: "hook-secret", Events: []string{
		"job_events", "pipeline_events", "issues_events", "confidential_issues_events", "note_events", "confidential_note_events"}})
	settle := func() {
		t.Helper()
		wctx, stop := context.WithTimeout(ctx, 60*time.Second)
		defer stop()
		for range 3 {
			if err := gl.WaitDeliveries(wctx); err != nil {
				t.Fatal(err)
			}
			if err := svc.WaitIdle(wctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	return svc, front, settle
}

func expatIssue(gl *gitlabdouble.Server, projectID int) *gitlabdouble.Issue {
	for _, is := range gl.Issues(projectID) {
		if strings.Contains(is.Title, "CVE-2023-52425") {
			return &is
		}
	}
	return nil
}

// waitInventoried waits until the bot's asset API shows the digest running
// in the pod: River's periodic inventory runs at start, once elected.
func waitInventoried(t *testing.T, base, digest, pod string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequest(http.MethodGet, base+"/api/assets/"+digest, nil)
		req.Header.Set("Authorization", "Bearer api-token-for-tests")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(body), pod) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s not inventoried after 30 s: %s", digest, body)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// `vigil monitor` by hand: the first pass matches every SBOM; a build that
// adds an advisory prints the new finding, the next one that withdraws it
// prints it resolved; a pass with an unchanged build matches nothing.
func TestMonitorCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	watched, sboms, state := filepath.Join(dir, "db"), filepath.Join(dir, "sboms"), filepath.Join(dir, "state")
	t0 := time.Now().UTC().Truncate(time.Second)
	buildWatched(t, watched, false, t0)
	if code, _ := vigil(t, "sbom", "--image", "docker-archive:"+archive, "--sbom-format", "syft", "--output-dir", sboms, "-q"); code != 0 {
		t.Fatalf("vigil sbom exit %d", code)
	}
	pass := func() string {
		t.Helper()
		code, out := vigil(t, "monitor", "--db", watched, "--sboms", sboms, "--state", state, "--project", "group/demo")
		if code != 0 {
			t.Fatalf("vigil monitor exit %d:\n%s", code, out)
		}
		return out
	}
	if out := pass(); !strings.Contains(out, "first pass") || !strings.Contains(out, "matched 1 of 1 SBOMs") {
		t.Errorf("first pass:\n%s", out)
	}
	if out := pass(); !strings.Contains(out, "matched 0 of 1 SBOMs") {
		t.Errorf("same build again:\n%s", out)
	}
	buildWatched(t, watched, true, t0.Add(time.Minute))
	if out := pass(); !strings.Contains(out, "new      CVE-2023-52425 libexpat1") || !strings.Contains(out, "matched 1 of 1") {
		t.Errorf("build adding the expat advisory:\n%s", out)
	}
	buildWatched(t, watched, false, t0.Add(2*time.Minute))
	if out := pass(); !strings.Contains(out, "resolved CVE-2023-52425 libexpat1") || !strings.Contains(out, "1 withdrawn") {
		t.Errorf("build withdrawing it:\n%s", out)
	}
}
