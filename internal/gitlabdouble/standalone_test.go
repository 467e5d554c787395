package gitlabdouble

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

func TestRunStandaloneFromSeed(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, "127.0.0.1:0", "testdata/seed.yaml", pw, slog.New(slog.DiscardHandler))
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("read banner: %v", err)
	}
	go io.Copy(io.Discard, pr)
	_, rest, _ := strings.Cut(line, "(API ")
	api := strings.TrimSuffix(strings.TrimSpace(rest), ")")
	base := strings.TrimSuffix(api, "/api/v4")

	c, err := gitlab.NewClient("glpat-vigil-bot-demo-token", gitlab.WithBaseURL(api), gitlab.WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := c.Projects.GetProject("acme/app", nil)
	if err != nil {
		t.Fatalf("get seeded project: %v", err)
	}
	if p.WebURL != base+"/acme/app" {
		t.Errorf("web_url %q does not use the listening address %q", p.WebURL, base)
	}
	raw, _, err := c.RepositoryFiles.GetRawFile(p.ID, "go.mod", &gitlab.GetRawFileOptions{Ref: gitlab.Ptr("main")})
	if err != nil || !strings.Contains(string(raw), "golang.org/x/text v0.3.7") {
		t.Errorf("files_from not loaded: %v %q", err, raw)
	}
	labels, _, err := c.Labels.ListLabels(p.ID, nil)
	if err != nil || len(labels) != 2 {
		t.Errorf("seeded labels: %v %d", err, len(labels))
	}
	hooks, _, err := c.Projects.ListProjectHooks(p.ID, nil)
	if err != nil || len(hooks) != 1 || !hooks[0].JobEvents || !hooks[0].ConfidentialIssuesEvents || hooks[0].PushEvents {
		t.Errorf("seeded hooks: %v %+v", err, hooks)
	}

	// Drive it through the control API as an out-of-process test would.
	body := `{"jobs":[{"name":"vigil-scan","artifacts":{"vigil-findings.json":"{}"}}]}`
	resp, err := http.Post(base+"/-/double/projects/acme%2Fapp/pipelines", "application/json", strings.NewReader(body))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("control pipeline: %v %v", err, resp)
	}
	resp.Body.Close()
	jobs, _, err := c.Jobs.ListProjectJobs(p.ID, &gitlab.ListJobsOptions{Scope: &[]gitlab.BuildStateValue{gitlab.Success}})
	if err != nil || len(jobs) != 1 || jobs[0].Name != "vigil-scan" || jobs[0].ArtifactsFile.Filename != "artifacts.zip" {
		t.Fatalf("job from control API: %v %+v", err, jobs)
	}
	resp, err = http.Post(base+"/-/double/projects/1/issues/9/close", "application/json", strings.NewReader(`{"as":"alice"}`))
	if err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("closing a missing issue should be a 400: %v", resp.StatusCode)
	}
	resp.Body.Close()

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
}

func TestParseSeedRejectsMistakes(t *testing.T) {
	for name, doc := range map[string]string{
		"unknown field": "users:\n  - username: a\n    tokn: x\n",
		"bad access":    "users:\n  - username: a\n    access: god\n",
		"no namespace":  "projects:\n  - path: app\n",
		"bad hook url":  "projects:\n  - path: g/app\n    hooks:\n      - url: nope\n",
		"no username":   "users:\n  - token: x\n",
	} {
		if _, err := ParseSeed(strings.NewReader(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := ParseSeed(strings.NewReader("")); err != nil {
		t.Errorf("empty seed: %v", err)
	}
}
