package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"gitlab.com/vigil-vm/vigil/bot"
	"gitlab.com/vigil-vm/vigil/ci/image"
	"gitlab.com/vigil-vm/vigil/internal/demoimage"
	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
	"gitlab.com/vigil-vm/vigil/internal/kubetest"
	"gitlab.com/vigil-vm/vigil/internal/registrytest"
)

// An image runs that no pipeline ever scanned: the inventory finds it, the
// bot pulls and catalogs it once for its owner project (an owners rule),
// and monitoring tracks it like a scanned one: its known vulnerabilities
// get issues at once, and a DB build that adds an advisory for one of its
// packages opens that issue too, all without a pipeline.
func TestMonitorCatalogsAnImageNoScanCovers(t *testing.T) {
	clearCIEnv(t)
	ctx := context.Background()
	root, _ := filepath.Abs("../..")
	watched := filepath.Join(t.TempDir(), "db")
	t0 := time.Now().UTC().Truncate(time.Second)
	buildWatched(t, watched, false, t0)

	reg := registrytest.New(t)
	img, err := demoimage.Image(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	reg.Push(t, "group/app:1.0", img)
	d, _ := img.Digest()
	kube := kubetest.New(t, kubetest.Cluster{Pods: []corev1.Pod{{
		ObjectMeta: metav1.ObjectMeta{Namespace: "web", Name: "app-1"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: reg.Host + "/group/app:1.0"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{
			{Name: "app", ImageID: reg.Host + "/group/app@" + d.String()}}},
	}}})
	inv := filepath.Join(t.TempDir(), "inventory.yml")
	yml := fmt.Sprintf("sources:\n  - {name: prod, type: kubernetes, kubeconfig: %q, context: prod}\nowners:\n  - {namespace: web, project: group/app}\n",
		kube.Kubeconfig(t, "prod"))
	if err := os.WriteFile(inv, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}

	gl := gitlabdouble.NewTest(t)
	p := gl.AddProject(gitlabdouble.ProjectSpec{Path: "group/app"})
	cat := imageCataloger{image: image.Options{Platform: image.DefaultPlatform, CacheDir: t.TempDir()}}
	svc, front, settle := startMonitoringBot(t, ctx, gl, p, inv, watched, bot.WithCataloger(cat))
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
