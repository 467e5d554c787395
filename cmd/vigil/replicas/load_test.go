package replicas

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
)

const (
	ackRate     = 500
	ackDuration = 10 * time.Second
)

// acks is what the client saw of one run of posted deliveries.
type acks struct {
	lat     []time.Duration
	refused int
	sched   sched // of this process (load generator, proxy, double)
}

// post sends ackRate deliveries a second for ackDuration, each a copy of
// sample with its own Idempotency-Key, through the proxy or, when direct,
// to the replicas in turn.
func (c *cluster) post(t testing.TB, sample gitlabdouble.Delivery, direct bool) acks {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	var mu sync.Mutex
	var out acks
	var wg sync.WaitGroup
	self0 := schedOf([]int{os.Getpid()})
	tick := time.NewTicker(time.Second / ackRate)
	for i := range int(ackRate * ackDuration / time.Second) {
		<-tick.C
		target := c.front.URL
		if direct {
			target = c.replicas[i%len(c.replicas)].url
		}
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodPost, target+"/webhooks/gitlab", bytes.NewReader(sample.Body))
			req.Header = sample.Header.Clone()
			req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%d", i))
			req.Header.Set("X-Gitlab-Event-UUID", fmt.Sprintf("bench-event-%d", i))
			t0 := time.Now()
			resp, err := client.Do(req)
			d := time.Since(t0)
			mu.Lock()
			defer mu.Unlock()
			if err != nil || resp.StatusCode != http.StatusAccepted {
				out.refused++
			} else {
				out.lat = append(out.lat, d)
			}
			if resp != nil {
				resp.Body.Close()
			}
		})
	}
	tick.Stop()
	wg.Wait()
	out.sched = schedOf([]int{os.Getpid()}).since(self0)
	return out
}

// report prints the client's figures; stored is how many of the posted
// deliveries the ledger holds.
func (a acks) report(b *testing.B, stored int) {
	slices.Sort(a.lat)
	b.ReportMetric(ms(a.lat[len(a.lat)/2]), "p50-ms")
	b.ReportMetric(ms(a.lat[len(a.lat)*99/100]), "p99-ms")
	b.ReportMetric(ms(a.lat[len(a.lat)-1]), "max-ms")
	b.ReportMetric(float64(a.refused), "refused")
	b.ReportMetric(float64(len(a.lat)-stored), "lost")
	b.ReportMetric(a.sched.cpu, "client-cpu-s")
	b.ReportMetric(a.sched.runq, "client-runq-s")
}

// pauseQueue pauses River's queue for every replica and waits out River's
// poll of queue settings (2 s), so no replica starts new jobs.
func pauseQueue(t testing.TB, db *sql.DB) {
	t.Helper()
	if err := queueClient(t, db).QueuePause(context.Background(), river.QueueDefault, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
}

func resumeQueue(t testing.TB, db *sql.DB) {
	t.Helper()
	if err := queueClient(t, db).QueueResume(context.Background(), river.QueueDefault, nil); err != nil {
		t.Fatal(err)
	}
}

// queueClient is an insert-only River client on the replicas' database.
func queueClient(t testing.TB, db *sql.DB) *river.Client[*sql.Tx] {
	t.Helper()
	client, err := river.NewClient(riverdatabasesql.New(db), &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// sched is CPU time and run-queue time (runnable, waiting for a core)
// summed over processes' threads, in seconds, from /proc/<pid>/task/*/schedstat.
type sched struct{ cpu, runq float64 }

func (s sched) since(before sched) sched { return sched{s.cpu - before.cpu, s.runq - before.runq} }

// replicaSched is the live replicas' sched so far.
func (c *cluster) replicaSched() sched {
	var pids []int
	for _, rep := range c.replicas {
		if !rep.dead.Load() {
			pids = append(pids, rep.cmd.Process.Pid)
		}
	}
	return schedOf(pids)
}

// postgresSched is the sched of the database's server processes serving
// connections now (a backend that ends in between is not counted).
func postgresSched(t testing.TB, db *sql.DB) sched {
	t.Helper()
	rows, err := db.Query(`SELECT pid FROM pg_stat_activity`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var pids []int
	for rows.Next() {
		var pid int
		rows.Scan(&pid)
		pids = append(pids, pid)
	}
	return schedOf(pids)
}

func schedOf(pids []int) sched {
	var s sched
	for _, pid := range pids {
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
		for _, task := range tasks {
			data, err := os.ReadFile(task)
			if err != nil {
				continue
			}
			f := strings.Fields(string(data))
			if len(f) < 2 {
				continue
			}
			onCPU, _ := strconv.ParseFloat(f[0], 64)
			waited, _ := strconv.ParseFloat(f[1], 64)
			s.cpu += onCPU / 1e9
			s.runq += waited / 1e9
		}
	}
	return s
}

// loadavg is the first three fields of /proc/loadavg.
func loadavg() string {
	data, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
