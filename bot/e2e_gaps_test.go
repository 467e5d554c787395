package bot

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/random"
	corev1 "k8s.io/api/core/v1"

	"gitlab.com/vigil-vm/vigil/bot/inventory"
	invconfig "gitlab.com/vigil-vm/vigil/bot/inventory/config"
	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
	"gitlab.com/vigil-vm/vigil/internal/kubetest"
	"gitlab.com/vigil-vm/vigil/internal/registrytest"
)

// Each owner project keeps one coverage-gap issue: opened when the
// inventory finds an image of it that no scan covers, untouched while that
// stays so, closed once a scan covers it, reopened when a new image comes
// without a scan, and found again by its marker when the ledger lost it.
func TestCoverageGapIssuePerOwner(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	billing := w.gl.AddProject(gitlabdouble.ProjectSpec{Path: "group/billing"})
	reg := registrytest.New(t)
	app, _ := random.Image(64, 1)
	reg.Push(t, "group/app:1.0", app)
	d, _ := app.Digest()
	bill, _ := random.Image(64, 1)
	reg.Push(t, "group/billing:3.1", bill)
	ghost, _ := random.Image(64, 1)
	reg.Push(t, "ghost/thing:1", ghost) // its owner is no project: logged, nothing written
	kube := kubetest.New(t, kubetest.Cluster{Pods: []corev1.Pod{
		kubetest.RunningPod("web", "app-1", "app", reg.Host+"/group/app:1.0", reg.Host+"/group/app@"+d.String())}})
	inv := filepath.Join(t.TempDir(), "inventory.yml")
	yml := fmt.Sprintf(`sources:
  - {name: registry, type: oci, registry: %q, insecure: true}
  - {name: prod, type: kubernetes, kubeconfig: %q, context: prod}
owners:
  - {repository: "*/group/app", project: group/app}
  - {repository: "*/group/billing", project: group/billing}
  - {repository: "*/ghost/*", project: nobody/ghost}
`, reg.Host, kube.Kubeconfig(t, "prod"))
	if err := os.WriteFile(inv, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := invconfig.Read(inv, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	w.start(nil)
	job := w.bot.inventoryJob(cfg, noEnv)
	run := func() {
		t.Helper()
		if err := job(context.Background()); err != nil {
			t.Fatal(err)
		}
		w.settle()
	}
	gapIssues := func(projectID int) []gitlabdouble.Issue {
		var out []gitlabdouble.Issue
		for _, is := range w.gl.Issues(projectID) {
			if hasLabel(is, "Vulnerability Management::Coverage Gap") {
				out = append(out, is)
			}
		}
		return out
	}

	run()
	gi := gapIssues(w.project.ID)
	if len(gi) != 1 || gi[0].State != "opened" || !gi[0].Confidential || gi[0].Title != "Coverage gaps: 1 image that no scan covers" ||
		!strings.Contains(gi[0].Description, d.String()) || !strings.Contains(gi[0].Description, "prod/web/Pod/app-1/app") {
		t.Fatalf("project A's gap issues: %+v", gi)
	}
	if bi := gapIssues(billing.ID); len(bi) != 1 || !strings.Contains(bi[0].Description, "stored in `registry`") || strings.Contains(bi[0].Description, d.String()) {
		t.Fatalf("project B's gap issues: %+v", bi)
	}

	w.gl.ResetCalls()
	run()
	if ws := w.gl.Writes(); len(ws) != 0 {
		t.Errorf("an unchanged inventory wrote:\n%s", writesSummary(ws))
	}

	// The cluster cannot be listed: its gap is not known to be covered, so
	// it stays, and the issue says why (one edit; project B is untouched).
	results := inventory.List(context.Background(), invconfig.Build(context.Background(), cfg, os.Getenv), cfg.Workers)
	for i := range results {
		if results[i].Source == "prod" {
			results[i].Assets, results[i].Err = nil, errors.New("connection refused")
		}
	}
	scans, err := w.bot.ledger.Assets().ScannedDigests(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	scanned := func(d string) (time.Time, bool) { at, ok := scans[d]; return at, ok }
	w.gl.ResetCalls()
	if err := w.bot.trackCoverage(context.Background(), results, inventory.NewReport(results, cfg.Rules, true, scanned), cfg.Rules, scanned); err != nil {
		t.Fatal(err)
	}
	if ws := w.gl.Writes(); len(ws) != 1 || ws[0].Path != fmt.Sprintf("/projects/%d/issues/%d", w.project.ID, gi[0].IID) {
		t.Errorf("a cluster that could not be listed: want one edit of A's issue, got:\n%s", writesSummary(ws))
	}
	if is := gapIssues(w.project.ID)[0]; is.State != "opened" || !strings.Contains(is.Description, "prod/web/Pod/app-1/app") ||
		!strings.Contains(is.Description, "last listing left them: `prod`") {
		t.Errorf("the issue lost the cluster's gap or does not say it was not listed:\n%s", is.Description)
	}

	w.scan(report(d.String(), xText)) // the running image is scanned now
	w.gl.ResetCalls()
	run()
	gi = gapIssues(w.project.ID)
	if len(gi) != 1 || gi[0].State != "closed" {
		t.Fatalf("the gap issue is not closed once its image is scanned: %+v", gi)
	}
	if notes := w.userNotes(gi[0].IID); len(notes) != 1 || !strings.Contains(notes[0], "covered by a scan") {
		t.Errorf("closing notes %q", notes)
	}
	for _, c := range w.gl.Writes() {
		if strings.Contains(c.Path, fmt.Sprintf("/projects/%d/", billing.ID)) {
			t.Errorf("project B's unchanged issue was written: %s %s", c.Method, c.Path)
		}
	}

	next, _ := random.Image(64, 1)
	reg.Push(t, "group/app:1.1", next) // stored, never scanned
	nd, _ := next.Digest()
	run()
	gi = gapIssues(w.project.ID)
	if len(gi) != 1 || gi[0].State != "opened" || !strings.Contains(gi[0].Description, nd.String()) || strings.Contains(gi[0].Description, d.String()) {
		t.Fatalf("the gap issue is not reopened with the new image: %+v", gi)
	}

	// A crash between creating an issue and recording it: the next run
	// adopts the issue by its marker instead of opening a second one.
	if _, err := w.bot.ledger.DB().Exec(`DELETE FROM vigil_coverage_issues`); err != nil {
		t.Fatal(err)
	}
	w.gl.ResetCalls()
	run()
	if gi, bi := gapIssues(w.project.ID), gapIssues(billing.ID); len(gi) != 1 || len(bi) != 1 {
		t.Errorf("issues after a lost ledger: %d in A, %d in B", len(gi), len(bi))
	}
	if ws := w.gl.Writes(); len(ws) != 0 {
		t.Errorf("adopting unchanged issues wrote:\n%s", writesSummary(ws))
	}
}
