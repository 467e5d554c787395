package demo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"gitlab.com/vigil-vm/vigil/bot"
	"gitlab.com/vigil-vm/vigil/ci/scan"
	"gitlab.com/vigil-vm/vigil/internal/clock"
	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
)

const hookSecret = "demo-webhook-secret"

// markerKey keys the bot's hidden markers; the demo's GitLab lives only as
// long as the command, so a fixed key protects nothing and costs nothing.
const markerKey = "demo-marker-key-not-a-secret"

// maintainer is the project's person in the scripted month.
const maintainer = "alice"

// Loop runs the rest of vigil's loop on the scan's reports: a GitLab test
// double receives the finished pipeline with the scan job's artifacts and
// sends its Job Hook to a bot (SQLite in WorkDir), which files the issues;
// the issues are printed as the bot left them.
func Loop(ctx context.Context, o Options, out *scan.Outcome, progress *scan.Progress) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	progress.Start("bot")
	now := time.Now
	c := clock.New(monthStart(time.Now()))
	if o.Month {
		now = c.Now // the month starts a month ago and moves on by script
	}
	gl, glURL, token, project, err := startGitLab(ctx, o, now)
	if err != nil {
		return err
	}
	data := Ledger(o)
	svc, botURL, err := startBot(ctx, o, now, data, glURL, token)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	gl.AddHook(project.ID, gitlabdouble.HookSpec{URL: botURL + "/webhooks/gitlab", Token: hookSecret, Events: []string{
		"job_events", "pipeline_events", "issues_events", "confidential_issues_events", "note_events", "confidential_note_events",
		"merge_requests_events",
	}})
	progress.Done(fmt.Sprintf("GitLab double %s, bot %s", glURL, botURL))

	progress.Start("issues")
	artifacts, err := readArtifacts(out.Files)
	if err != nil {
		return err
	}
	gl.FinishPipeline(project.ID, gitlabdouble.PipelineSpec{Jobs: []gitlabdouble.JobSpec{{
		Name: "vigil-scan", Artifacts: artifacts,
		Reports: map[string]string{"container_scanning": "gl-container-scanning-report.json"},
	}}})
	issues, err := settle(ctx, gl, svc, project.ID, len(out.Report.Active()) > 0)
	if err != nil {
		return err
	}
	progress.Done(fmt.Sprintf("%d issues and %d merge requests in %s", len(issues), len(gl.MergeRequests(project.ID)), Project))
	if o.Month {
		progress.Start("scripted month")
		w := &world{gl: gl, svc: svc, projectID: project.ID, clock: c, start: c.Now(), artifacts: artifacts}
		if err := w.month(ctx, func(step string) { o.Log.Info("scripted month", "step", step) }); err != nil {
			return err
		}
		if issues, err = settle(ctx, gl, svc, project.ID, false); err != nil {
			return err
		}
		progress.Done(fmt.Sprintf("%d days of fixes, exceptions and merges replayed", MonthDays))
	}
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	if err := show(o, gl, project.ID, issues); err != nil {
		return err
	}
	since, until := MonthPeriod(now())
	if !o.Month { // today only
		since = until.AddDate(0, 0, -1)
	}
	fmt.Fprintf(o.Out, "\nthe bot's ledger is %s; its read-out:\n  vigil report --data %s --since %s --until %s -o read-out.html\n",
		data, data, since.Format(time.DateOnly), until.Format(time.DateOnly))
	return nil
}

// startGitLab serves a GitLab double with the bot's user, the maintainer
// and the demo project holding this repository's sources.
func startGitLab(ctx context.Context, o Options, now func() time.Time) (gl *gitlabdouble.Server, url, token string, project gitlabdouble.Project, err error) {
	gl = gitlabdouble.New(gitlabdouble.WithClock(now))
	if url, err = serve(ctx, gl.Handler()); err != nil {
		return nil, "", "", gitlabdouble.Project{}, err
	}
	_, token = gl.AddUser("vigil-bot", gitlabdouble.Maintainer)
	gl.AddUser(maintainer, gitlabdouble.Maintainer)
	files, err := sources(o.Root)
	if err != nil {
		return nil, "", "", gitlabdouble.Project{}, err
	}
	return gl, url, token, gl.AddProject(gitlabdouble.ProjectSpec{Path: Project, Files: files}), nil
}

// startBot serves a bot on an empty SQLite ledger at data, talking to the
// GitLab double at glURL.
func startBot(ctx context.Context, o Options, now func() time.Time, data, glURL, token string) (*bot.Service, string, error) {
	for _, f := range []string{data, data + "-wal", data + "-shm"} {
		os.Remove(f) // each demo starts from an empty ledger, as GitLab does
	}
	cfg := bot.DefaultConfig()
	cfg.Listen, cfg.GitLabURL, cfg.GitLabToken, cfg.Data = "", glURL, token, data
	cfg.WebhookSecrets, cfg.MarkerKey = []string{hookSecret}, markerKey
	cfg.PollInterval, cfg.SweepInterval = 50*time.Millisecond, 0
	svc, err := bot.New(ctx, cfg, o.Log, bot.WithClock(now))
	if err != nil {
		return nil, "", err
	}
	url, err := serve(ctx, svc.Handler())
	return svc, url, err
}

// readArtifacts are the scan's report files by base name, as the job
// uploads them.
func readArtifacts(files []string) (map[string][]byte, error) {
	artifacts := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		artifacts[filepath.Base(f)] = b
	}
	return artifacts, nil
}

// show shows the issues and merge requests as the bot left them.
func show(o Options, gl *gitlabdouble.Server, projectID int, issues []gitlabdouble.Issue) error {
	w := tabwriter.NewWriter(o.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(o.Out, "\nissues the bot opened in %s:\n", Project)
	fmt.Fprintln(w, "ISSUE\tTITLE\tDUE\tCONFIDENTIAL\tLABELS")
	for _, is := range issues {
		due := ""
		if is.DueDate != nil {
			due = is.DueDate.String()
		}
		fmt.Fprintf(w, "#%d\t%s\t%s\t%v\t%s\n", is.IID, is.Title, due, is.Confidential, strings.Join(is.Labels, ", "))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "\nmerge requests the bot opened in %s:\n", Project)
	fmt.Fprintln(w, "MR\tTITLE\tBRANCH\tCLOSES")
	for _, m := range gl.MergeRequests(projectID) {
		fmt.Fprintf(w, "!%d\t%s\t%s\t%s\n", m.IID, m.Title, m.SourceBranch, strings.Join(closes(m.Description), " "))
	}
	return w.Flush()
}

// closes lists the "Closes #N" references of a merge request description.
func closes(desc string) []string {
	var out []string
	for _, line := range strings.Split(desc, "\n") {
		if ref, ok := strings.CutPrefix(strings.TrimSpace(line), "Closes "); ok {
			out = append(out, ref)
		}
	}
	return out
}

// sources are the demo program's files: the repository the scanned image
// was built from, where the bot's merge requests bump modules.
func sources(root string) (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, name := range []string{"go.mod", "go.sum", "main.go"} {
		b, err := os.ReadFile(filepath.Join(root, "testdata", "vulnapp", name))
		if err != nil {
			return nil, fmt.Errorf("demo sources: %w", err)
		}
		files[name] = b
	}
	return files, nil
}

// settle waits until the bot has filed issues and stopped changing them:
// no webhook in flight, nothing in the bot's inbox or queue, and no write
// or webhook the double saw while that was checked, twice in a row. A job
// that is running keeps the queue busy; one that finished has written (or
// not) before the check ends, and its writes' webhooks are counted when
// the write is answered.
func settle(ctx context.Context, gl *gitlabdouble.Server, svc *bot.Service, projectID int, want bool) ([]gitlabdouble.Issue, error) {
	deadline := time.Now().Add(2 * time.Minute)
	stable := 0
	for time.Now().Before(deadline) {
		writes, hooks := len(gl.Writes()), len(gl.Deliveries())
		if (writes > 0 || !want) && quiet(ctx, gl, svc) && len(gl.Writes()) == writes && len(gl.Deliveries()) == hooks {
			if stable++; stable >= 2 {
				return gl.Issues(projectID), nil
			}
		} else {
			stable = 0
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil, fmt.Errorf("the bot filed no issues within 2 minutes (see its log with VIGIL_DEBUG=1)")
}

// quiet reports whether no webhook is in flight and the bot has no
// delivery queued or being worked.
func quiet(ctx context.Context, gl *gitlabdouble.Server, svc *bot.Service) bool {
	ictx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	return gl.WaitDeliveries(ictx) == nil && svc.WaitIdle(ictx) == nil
}

// serve runs h on a loopback port until ctx ends and returns its URL.
func serve(ctx context.Context, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("demo: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	go func() { <-ctx.Done(); srv.Close() }()
	return "http://" + ln.Addr().String(), nil
}
