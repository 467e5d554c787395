package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
)

// dying lets writes through until the n-th, which reaches GitLab but whose
// answer is lost as the process "dies": the run is cancelled and every later
// request fails.
type dying struct {
	mu     sync.Mutex
	n      int
	writes int
	dead   bool
	kill   func()
}

func (d *dying) RoundTrip(r *http.Request) (*http.Response, error) {
	d.mu.Lock()
	if d.dead {
		d.mu.Unlock()
		return nil, errors.New("process is dead")
	}
	last := false
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		d.writes++
		last = d.writes == d.n
	}
	d.mu.Unlock()
	resp, err := http.DefaultTransport.RoundTrip(r)
	if last {
		if resp != nil {
			resp.Body.Close()
		}
		d.mu.Lock()
		d.dead = true
		d.mu.Unlock()
		d.kill()
		return nil, errors.New("process died before reading the answer")
	}
	return resp, err
}

func (d *dying) isDead() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dead
}

// snapshot is what a user sees of the project's issues.
func snapshot(w *world) string {
	var out []string
	for _, is := range w.gl.Issues(w.project.ID) {
		labels := slices.Clone(is.Labels)
		slices.Sort(labels)
		due := ""
		if is.DueDate != nil {
			due = is.DueDate.String()
		}
		out = append(out, fmt.Sprintf("%s|%s|%s|%v|%s|notes=%d", is.Title, is.State, due, is.Confidential, strings.Join(labels, ","), len(w.userNotes(is.IID))))
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}

// story is the scenario run with and without a crash: a first scan, then a
// scan in which golang.org/x/text is fixed.
func story(w *world) {
	w.scan(report("sha256:aaaa", xText, xNet, zlib))
	w.scan(report("sha256:bbbb", xNet, zlib))
}

func TestCrashMidIngestConvergesAfterRestart(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	ref := newWorld(t)
	ref.start(nil)
	ref.scan(report("sha256:aaaa", xText, xNet, zlib))
	firstWrites := len(ref.gl.Writes())
	ref.scan(report("sha256:bbbb", xNet, zlib))
	want := snapshot(ref)

	// Die at the first write, in the middle, and at the very last write of
	// the first ingest (labels, issues, reminder note).
	for _, n := range []int{1, firstWrites / 2, firstWrites - 3, firstWrites - 1, firstWrites} {
		t.Run(fmt.Sprintf("die at write %d", n), func(t *testing.T) {
			t.Parallel() // each death has its own world
			w := newWorld(t)
			d := &dying{n: n}
			w.start(nil, WithGitLabTransport(d))
			d.kill = w.stop
			w.gl.FinishPipeline(w.project.ID, gitlabdouble.PipelineSpec{Jobs: []gitlabdouble.JobSpec{
				{Name: "vigil-scan", Artifacts: map[string][]byte{"vigil-findings.json": mustJSON(t, report("sha256:aaaa", xText, xNet, zlib))}},
			}})
			ctx := context.Background()
			if err := w.gl.WaitDeliveries(ctx); err != nil {
				t.Fatal(err)
			}
			// Wait for the death, or stop a run that finished before write n.
			for died := false; !died; {
				select {
				case <-w.done:
					died = true
				case <-time.After(50 * time.Millisecond):
					if idle, err := w.bot.idle(ctx); err == nil && idle && !d.isDead() {
						w.stop()
						<-w.done
						died = true
					}
				}
			}
			w.stop = nil
			w.start(nil) // restart on the same data file
			w.settle()
			w.scan(report("sha256:bbbb", xNet, zlib))
			if got := snapshot(w); got != want {
				t.Errorf("after crash and restart:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestLostLedgerAdoptsIssuesByMarker(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	w.start(nil)
	w.scan(report("sha256:aaaa", xText, xNet, zlib))
	before := snapshot(w)
	w.shutdown()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(w.data + suffix)
	}
	w.data = filepath.Join(t.TempDir(), "fresh.db")
	w.start(nil)
	w.gl.ResetCalls()
	w.scan(report("sha256:aaaa", xText, xNet, zlib))
	if got := snapshot(w); got != before {
		t.Errorf("after losing the ledger:\n%s\nwant:\n%s", got, before)
	}
	if n := w.gl.CallCount("POST /projects/:id/issues"); n != 0 {
		t.Errorf("created %d issues again", n)
	}
}

// A delivery acknowledged by a process that dies before it reaches the queue
// is processed by the next start.
func TestAcknowledgedDeliveryOutlivesACrash(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	w.start(nil)
	w.shutdown()

	ctx := context.Background()
	dead, err := New(ctx, w.config(), nil) // receives, but never runs its dispatcher or workers
	if err != nil {
		t.Fatal(err)
	}
	w.handler.Store(dead.Handler())
	w.gl.FinishPipeline(w.project.ID, gitlabdouble.PipelineSpec{Jobs: []gitlabdouble.JobSpec{
		{Name: "vigil-scan", Artifacts: map[string][]byte{"vigil-findings.json": mustJSON(t, report("sha256:aaaa", xText, xNet, zlib))}},
	}})
	if err := w.gl.WaitDeliveries(ctx); err != nil {
		t.Fatal(err)
	}
	for _, d := range w.gl.Deliveries() {
		if d.Status != http.StatusAccepted {
			t.Fatalf("%s delivery answered %d, want 202", d.Event, d.Status)
		}
	}
	if n, err := dead.inbox.Count(ctx); err != nil || n == 0 {
		t.Fatalf("inbox holds %d deliveries (%v), want the acknowledged ones", n, err)
	}
	dead.Close()
	if n := len(w.gl.Issues(w.project.ID)); n != 0 {
		t.Fatalf("%d issues before the restart", n)
	}

	w.start(nil)
	w.settle()
	if n := len(w.gl.Issues(w.project.ID)); n != 3 {
		t.Errorf("after the restart: %d issues, want 3", n)
	}
}
