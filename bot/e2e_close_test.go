package bot

import (
	"strings"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
)

// The closing note is written before the close, once: a lost closing note
// is written on the next attempt, and a lost close does not repeat it.
func TestClosingNoteSurvivesLostResponses(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	for _, route := range []string{"POST /projects/:id/issues/:issue_iid/notes", "PUT /projects/:id/issues/:issue_iid"} {
		t.Run(route, func(t *testing.T) {
			w := newWorld(t)
			w.start(nil)
			w.scan(report("sha256:aaaa", xText, zlib))
			iid := w.issue(textTitle).IID
			w.gl.ResetCalls()
			w.gl.SetFault(route, gitlabdouble.Fault{DropRate: 1})
			w.gl.FinishPipeline(w.project.ID, gitlabdouble.PipelineSpec{Jobs: []gitlabdouble.JobSpec{
				{Name: "vigil-scan", Artifacts: map[string][]byte{"vigil-findings.json": mustJSON(t, report("sha256:bbbb", zlib))}}}})
			deadline := time.Now().Add(10 * time.Second)
			for w.gl.CallCount(route) == 0 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			time.Sleep(100 * time.Millisecond) // the attempt fails; River retries it a second later
			w.gl.SetFault(route, gitlabdouble.Fault{})
			w.settle()

			if is := w.issue(textTitle); is.State != "closed" {
				t.Fatalf("issue %s", is.State)
			}
			var closing int
			for _, n := range w.userNotes(iid) {
				if strings.Contains(n, "No longer detected") {
					closing++
				}
			}
			if closing != 1 {
				t.Errorf("%d closing notes, want 1: %q", closing, w.userNotes(iid))
			}
		})
	}
}
