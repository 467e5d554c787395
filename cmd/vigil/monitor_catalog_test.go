package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot"
	"gitlab.com/vigil-vm/vigil/ci/image"
	"gitlab.com/vigil-vm/vigil/ci/vulndb"
	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
)

// An image runs that no pipeline ever scanned: the inventory finds it, the
// bot pulls and catalogs it once for its owner project (an owners rule),
// and monitoring tracks it like a scanned one: its known vulnerabilities
// get issues at once, and a DB build that adds an advisory for one of its
// packages opens that issue too, all without a pipeline.
func TestMonitorCatalogsAnImageNoScanCovers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	watched := filepath.Join(t.TempDir(), "db")
	t0 := time.Now().UTC().Truncate(time.Second)
	buildWatched(t, watched, false, t0)
	_, d, inv := runningDemoImage(t, ctx, "owners:\n  - {namespace: web, project: group/app}\n")

	gl := gitlabdouble.NewTest(t)
	p := gl.AddProject(gitlabdouble.ProjectSpec{Path: "group/app"})
	cat := imageCataloger{image: image.Options{Platform: image.DefaultPlatform, CacheDir: t.TempDir()}}
	svc, front, settle := startMonitoringBot(t, ctx, gl, p, inv, newDBMatcher(vulndb.OpenOptions{Dir: watched}, filepath.Join(t.TempDir(), "builds")), bot.WithCataloger(cat))
	waitInventoried(t, front.URL, d.String(), "app-1")
	settle()
	var issues []gitlabdouble.Issue
	for _, is := range gl.Issues(p.ID) {
		if !strings.HasPrefix(is.Title, "Coverage gaps") { // the image is still no scan's (bot/tracker/gaps.go)
			issues = append(issues, is)
		}
	}
	if len(issues) == 0 {
		t.Fatal("no issue for the cataloged image's known vulnerabilities")
	}
	for _, is := range issues {
		if !strings.Contains(is.Description, "continuous monitoring (DB build of "+t0.Format(time.RFC3339)) || !strings.Contains(is.Description, "prod/web/Pod/app-1/app") {
			t.Errorf("issue %q does not say monitoring found it where the image runs:\n%s", is.Title, is.Description)
		}
	}
	if expatIssue(gl, p.ID) != nil {
		t.Fatal("CVE-2023-52425 tracked before any DB had it")
	}

	buildWatched(t, watched, true, t0.Add(time.Minute))
	if err := svc.MonitorNow(ctx); err != nil {
		t.Fatal(err)
	}
	settle()
	if expatIssue(gl, p.ID) == nil {
		t.Fatalf("no issue for CVE-2023-52425 after the DB build that adds it; issues: %v", len(gl.Issues(p.ID)))
	}
	if n := len(gl.Pipelines(p.ID)); n != 0 {
		t.Errorf("%d pipelines, want none", n)
	}
}
