package bot

import (
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
)

const artifactRoute = "GET /projects/:id/jobs/:job_id/artifacts/*artifact_path"

// A scan job is named by its Job Hook and by its pipeline's Pipeline Hook;
// the two deliveries are worked at the same time by different workers, and
// the artifact is still downloaded once. The slow artifact keeps the first
// delivery inside the project's lock while the second one arrives.
func TestBothHooksDownloadTheArtifactOnce(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	w.start(nil)
	w.gl.SetFault(artifactRoute, gitlabdouble.Fault{Latency: 400 * time.Millisecond})
	for i, digest := range []string{"sha256:aaaa", "sha256:bbbb"} {
		w.gl.ResetCalls()
		w.scan(report(digest, medium))
		if got := w.gl.CallCounts()[artifactRoute]; got != 1 {
			t.Errorf("scan %d: %d artifact downloads, want 1", i+1, got)
		}
		if n := len(w.gl.Issues(w.project.ID)); n != 1 {
			t.Errorf("scan %d: %d issues, want 1", i+1, n)
		}
	}
	var hooks int
	for _, d := range w.gl.Deliveries() {
		if d.Event == "Job Hook" || d.Event == "Pipeline Hook" {
			hooks++
		}
	}
	if hooks < 4 {
		t.Fatalf("%d job and pipeline deliveries, want both hooks of both pipelines", hooks)
	}
}
