package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
)

const hookSecret = "bench-hook-secret"

// botResult is what the bot benchmark measured.
type botResult struct {
	rate      int
	duration  time.Duration
	sent      int
	accepted  int
	failed    int // transport errors and non-202 answers: lost deliveries
	processed int // deliveries the workers finished, read from /metrics
	p50, p90  time.Duration
	p99, max  time.Duration
	ingests   []ingestCalls
	findings  int
}

// ingestCalls counts the GitLab API calls of one ingest.
type ingestCalls struct {
	name          string
	total, writes int
	listPages     int // GET /projects/:id/issues pages
	openIssues    int
	patching      bool // the bot ran with merge requests on (the default)
	notes         int  // comments on the project's issues after the ingest
}

// benchBot runs `vigil bot` as its own process against the GitLab double
// (served from this process) and measures it from here: API calls per
// ingest, then webhook acknowledgement latency under a steady load.
func benchBot(ctx context.Context, o config, bins map[string]string, log *slog.Logger) (*botResult, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	gl := gitlabdouble.New(gitlabdouble.WithBaseURL("http://" + ln.Addr().String()))
	gctx, stopGL := context.WithCancel(ctx)
	defer stopGL()
	go gl.Serve(gctx, ln)
	_, token := gl.AddUser("vigil-bot", gitlabdouble.Maintainer)
	gl.AddUser("alice", gitlabdouble.Maintainer)
	p := gl.AddProject(gitlabdouble.ProjectSpec{Path: "group/app"})

	res := &botResult{rate: o.botRate, duration: o.botDuration, findings: o.botFindings}
	all := benchFindings(o.botFindings)
	// The same ingests with patching on (the default), on a project of
	// its own and a bot of its own: what the merge request engine adds.
	pp := gl.AddProject(gitlabdouble.ProjectSpec{Path: "group/app-patched"})
	patchURL, stopPatchBot, err := startBot(ctx, o, bins["vigil"], gl.URL(), token, true, log)
	if err != nil {
		return nil, err
	}
	addBotHook(gl, pp.ID, patchURL)
	err = ingestSteps(ctx, gl, pp.ID, patchURL, all, true, res, log)
	stopPatchBot()
	if err != nil {
		return nil, err
	}

	botURL, stopBot, err := startBot(ctx, o, bins["vigil"], gl.URL(), token, false, log)
	if err != nil {
		return nil, err
	}
	defer stopBot()
	addBotHook(gl, p.ID, botURL)
	if err := ingestSteps(ctx, gl, p.ID, botURL, all, false, res, log); err != nil {
		return nil, err
	}

	log.Info("webhook load", "rate", o.botRate, "duration", o.botDuration)
	before, _ := processed(botURL)
	if err := load(ctx, botURL, p.ID, res); err != nil {
		return nil, err
	}
	// Zero lost: every accepted delivery must also be worked off.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		n, err := processed(botURL)
		if err == nil && n-before >= res.accepted {
			res.processed = n - before
			break
		}
		if time.Now().After(deadline) {
			res.processed = n - before
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	return res, nil
}

func addBotHook(gl *gitlabdouble.Server, project int, botURL string) {
	gl.AddHook(project, gitlabdouble.HookSpec{URL: botURL + "/webhooks/gitlab", Token: hookSecret, Events: []string{
		"job_events", "pipeline_events", "issues_events", "confidential_issues_events", "note_events", "confidential_note_events",
	}})
}

// ingestSteps runs the first ingest, an unchanged rescan and a rescan with
// one finding fixed, recording each one's API calls.
func ingestSteps(ctx context.Context, gl *gitlabdouble.Server, project int, botURL string, all []findings.Finding, patching bool, res *botResult, log *slog.Logger) error {
	suffix := map[bool]string{true: " (patching on)", false: " (patching off)"}[patching]
	for _, step := range []struct {
		name string
		fs   []findings.Finding
	}{
		{fmt.Sprintf("first ingest of %d findings", len(all)), all},
		{"unchanged rescan", all},
		{"one finding fixed", all[1:]},
	} {
		ic, err := ingest(ctx, gl, project, botURL, step.fs)
		if err != nil {
			return fmt.Errorf("%s%s: %w", step.name, suffix, err)
		}
		ic.name, ic.patching = step.name+suffix, patching
		for _, is := range gl.Issues(project) {
			for _, n := range gl.Notes(project, is.IID) {
				if !n.System {
					ic.notes++
				}
			}
		}
		log.Info("ingest", "step", ic.name, "calls", ic.total, "writes", ic.writes, "notes", ic.notes)
		res.ingests = append(res.ingests, ic)
	}
	return nil
}

// startBot starts `vigil bot` on a free loopback port and waits until ready.
func startBot(ctx context.Context, o config, vigil, gitlabURL, token string, patching bool, log *slog.Logger) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	data := filepath.Join(o.work, map[bool]string{true: "bot-patching", false: "bot"}[patching])
	os.RemoveAll(data)
	if err := os.MkdirAll(data, 0o755); err != nil {
		return "", nil, err
	}
	bctx, cancel := context.WithCancel(ctx)
	cmd := exec.CommandContext(bctx, vigil, "bot", "--listen", addr, "--data", filepath.Join(data, "bot.db"),
		"--patch="+strconv.FormatBool(patching), "--sweep-interval", "0", "--poll-interval", "50ms", "--log-level", "warn")
	cmd.Env = append(os.Environ(), "VIGIL_GITLAB_URL="+gitlabURL, "VIGIL_GITLAB_TOKEN="+token, "VIGIL_WEBHOOK_SECRET="+hookSecret,
		"VIGIL_MARKER_KEY=bench-marker-key-not-a-secret")
	logf, err := os.Create(filepath.Join(data, "bot.log"))
	if err != nil {
		cancel()
		return "", nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		cancel()
		return "", nil, fmt.Errorf("start vigil bot: %w", err)
	}
	stop := func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cancel()
		}
		cancel()
		logf.Close()
	}
	url := "http://" + addr
	for i := 0; ; i++ {
		resp, err := http.Get(url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if i > 300 {
			stop()
			return "", nil, fmt.Errorf("vigil bot not ready after 30 s (log in %s)", logf.Name())
		}
		time.Sleep(100 * time.Millisecond)
	}
	log.Info("bot ready", "url", url)
	return url, stop, nil
}

// benchFindings are n distinct findings of one image.
func benchFindings(n int) []findings.Finding {
	var out []findings.Finding
	for i := range n {
		out = append(out, findings.Finding{
			Vulnerability: findings.Vulnerability{ID: fmt.Sprintf("CVE-2024-%d", 20000+i), Severity: []findings.Severity{findings.Critical, findings.High, findings.Medium, findings.Low}[i%4]},
			Package:       findings.Package{Name: fmt.Sprintf("lib%03d", i), Version: "1.0.0", Type: "deb", Locations: []findings.Location{{Path: "/var/lib/dpkg/status"}}},
			Fix:           findings.Fix{State: findings.FixAvailable, Versions: []string{"1.0.1"}},
		})
	}
	return out
}

// ingest finishes a pipeline whose vigil-scan job reports fs and counts the
// API calls the bot makes until it is quiet again.
func ingest(ctx context.Context, gl *gitlabdouble.Server, project int, botURL string, fs []findings.Finding) (ingestCalls, error) {
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	asset := findings.Asset{Kind: "image", Repository: "registry.example/group/app", Digest: "sha256:" + strings.Repeat("ab", 32), Tags: []string{"main"}}
	rep := findings.Report{Schema: findings.SchemaID, Project: "group/app",
		Scanner: findings.Scanner{Name: "vigil", Version: "bench", Matcher: "grype v0.121.2", DB: findings.DB{Built: t0}},
		Started: t0, Ended: t0, Asset: asset}
	for _, f := range fs {
		f.Fingerprint = findings.FingerprintFor("group/app", asset, f)
		rep.Findings = append(rep.Findings, f)
	}
	data, err := json.Marshal(rep)
	if err != nil {
		return ingestCalls{}, err
	}
	before, _ := processed(botURL)
	gl.ResetCalls()
	gl.FinishPipeline(project, gitlabdouble.PipelineSpec{Jobs: []gitlabdouble.JobSpec{
		{Name: "build", Stage: "build"},
		{Name: "vigil-scan", Stage: "test", Artifacts: map[string][]byte{"vigil-findings.json": data}},
	}})
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	// Quiet: hooks delivered, the bot has worked something off, and no API
	// call for a second (the bot's own writes send hooks it works off too).
	last, quietSince := -1, time.Now()
	for {
		if err := gl.WaitDeliveries(wctx); err != nil {
			return ingestCalls{}, err
		}
		n := len(gl.Calls())
		if n != last {
			last, quietSince = n, time.Now()
		}
		done, _ := processed(botURL)
		if done > before && time.Since(quietSince) > 1500*time.Millisecond {
			break
		}
		if wctx.Err() != nil {
			return ingestCalls{}, wctx.Err()
		}
		time.Sleep(100 * time.Millisecond)
	}
	ic := ingestCalls{}
	for _, c := range gl.Calls() {
		ic.total++
		if c.Write {
			ic.writes++
		}
		if c.Method == http.MethodGet && c.Route == "GET /projects/:id/issues" {
			ic.listPages++
		}
	}
	for _, is := range gl.Issues(project) {
		if is.State == "opened" {
			ic.openIssues++
		}
	}
	return ic, nil
}

// processed sums vigil_bot_deliveries_processed_total from /metrics.
func processed(botURL string) (int, error) {
	resp, err := http.Get(botURL + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n := 0.0
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "vigil_bot_deliveries_processed_total{") {
			f := strings.Fields(l)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			n += v
		}
	}
	return int(n), sc.Err()
}

// load sends Job Hook deliveries at a steady rate, each from its own
// goroutine so a slow answer never delays the next send, and records every
// acknowledgement's latency.
func load(ctx context.Context, botURL string, project int, res *botResult) error {
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 0}}
	interval := time.Second / time.Duration(res.rate)
	total := int(res.duration / interval)
	lat := make([]time.Duration, total)
	ok := make([]bool, total)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range total {
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		body := jobHook(project, 1_000_000+i)
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, botURL+"/webhooks/gitlab", bytes.NewReader(body))
			req.Header.Set("X-Gitlab-Event", "Job Hook")
			req.Header.Set("X-Gitlab-Token", hookSecret)
			req.Header.Set("X-Gitlab-Event-UUID", fmt.Sprintf("bench-%d-%d", start.UnixNano(), i))
			req.Header.Set("Content-Type", "application/json")
			t := time.Now()
			resp, err := client.Do(req)
			lat[i] = time.Since(t)
			if err != nil {
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			ok[i] = resp.StatusCode == http.StatusAccepted
		})
	}
	wg.Wait()
	res.sent = total
	for _, b := range ok {
		if b {
			res.accepted++
		} else {
			res.failed++
		}
	}
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	res.p50, res.p90, res.p99, res.max = q(0.50), q(0.90), q(0.99), lat[len(lat)-1]
	return nil
}

// jobHook is a Job Hook for a finished build job: the bulk of what a
// project's webhook delivers (only scan jobs lead to an ingest).
func jobHook(project, id int) []byte {
	b, _ := json.Marshal(map[string]any{
		"object_kind": "build", "build_id": id, "build_name": "build", "build_stage": "build",
		"build_status": "success", "build_started_at": "2026-11-01 10:00:00 UTC", "build_finished_at": "2026-11-01 10:01:00 UTC",
		"pipeline_id": id, "ref": "main", "sha": strings.Repeat("c", 40), "project_id": project,
		"project_name": "group / app", "user": map[string]any{"id": 1, "username": "alice"},
		"repository": map[string]any{"name": "app", "homepage": "http://gitlab.example/group/app"},
	})
	return b
}
