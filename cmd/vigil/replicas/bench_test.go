package replicas

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
	"gitlab.com/vigil-vm/vigil/internal/postgres"
)

// BenchmarkWebhookAck posts real-shaped Job Hooks at 500 a second for ten
// seconds through the balancer to three replicas and reports the
// acknowledgement latency the client sees, the replicas' own (from their
// ack histogram), their pool waits and longest GC pause, and how many were
// lost (accepted but not in the ledger once the replicas are idle). It runs
// with the replicas processing the deliveries as they come, and with
// processing paused (River's queue paused; the dispatcher still moves the
// inbox into the ledger), to tell the ack path's own cost from the
// workers'; "direct" posts to the replicas in turn without the proxy.
func BenchmarkWebhookAck(b *testing.B) {
	for _, mode := range []struct {
		name           string
		paused, direct bool
	}{{"processing=running", false, false}, {"processing=paused", true, false}, {"processing=paused/direct", true, true}} {
		b.Run(mode.name, func(b *testing.B) { benchmarkAck(b, mode.paused, mode.direct) })
	}
}

func benchmarkAck(b *testing.B, paused, direct bool) {
	c := newCluster(b, 3, "--workers", "4", "--poll-interval", "50ms", "--sweep-interval", "0", "--patch=false")
	p := c.project("group/app", nil)
	c.gl.FinishPipeline(p.ID, gitlabdouble.PipelineSpec{Jobs: []gitlabdouble.JobSpec{{Name: "build", Stage: "build"}}})
	ctx := context.Background()
	if err := c.gl.WaitDeliveries(ctx); err != nil {
		b.Fatal(err)
	}
	db, err := postgres.Open(ctx, c.database)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	waitIdle(b, db, time.Minute)
	sample := c.gl.Deliveries()[0]
	for b.Loop() {
		if paused {
			pauseQueue(b, db)
		}
		before := c.scrape(b)
		load0, rs0, ps0 := loadavg(), c.replicaSched(), postgresSched(b, db)
		r := c.post(b, sample, direct)
		rs, ps := c.replicaSched().since(rs0), postgresSched(b, db).since(ps0)
		server := c.scrape(b).since(before)
		b.ReportMetric(rs.cpu, "replica-cpu-s")
		b.ReportMetric(rs.runq, "replica-runq-s")
		b.ReportMetric(ps.cpu, "pg-cpu-s")
		b.ReportMetric(ps.runq, "pg-runq-s")
		b.Logf("load average %s before, %s after", load0, loadavg())
		if paused {
			resumeQueue(b, db)
		}
		waitIdle(b, db, 5*time.Minute)
		var stored int
		db.QueryRow(`SELECT COUNT(*) FROM vigil_deliveries WHERE dedup_key LIKE 'bench-%'`).Scan(&stored)
		r.report(b, stored)
		server.report(b)
	}
}

// apiLatency is what every GitLab API call costs in BenchmarkIngest: a
// self-managed GitLab near the bot answers in tens of milliseconds
// (GitLab.com's API is slower still); the double alone answers in
// microseconds, which would measure only the CPU of one shared machine.
const apiLatency = 30 * time.Millisecond

// BenchmarkIngest finishes 150 pipelines (a build and a scan job each, 450
// deliveries) over ten projects, against the GitLab double answering every
// API call after apiLatency, and reports how many scans a second one and
// three replicas ingest.
func BenchmarkIngest(b *testing.B) {
	for _, n := range []int{1, 3} {
		b.Run(fmt.Sprintf("replicas=%d/api=%v", n, apiLatency), func(b *testing.B) {
			const pipelines, projects = 150, 10
			c := newCluster(b, n, "--workers", "4", "--poll-interval", "50ms", "--sweep-interval", "0", "--patch=false")
			c.gl.SetFault("*", gitlabdouble.Fault{Latency: apiLatency})
			var ps []gitlabdouble.Project
			for i := range projects {
				ps = append(ps, c.project(fmt.Sprintf("group/app%d", i), nil))
			}
			ctx := context.Background()
			db, err := postgres.Open(ctx, c.database)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			for b.Loop() {
				load0, calls0, rs0 := loadavg(), len(c.gl.Calls()), c.replicaSched()
				t0 := time.Now()
				for i := range pipelines {
					p := ps[i%projects]
					c.scan(p, report(p.PathWithNamespace, fmt.Sprintf("sha256:%064d", i), xText, xNet, zlib))
				}
				if err := c.gl.WaitDeliveries(ctx); err != nil {
					b.Fatal(err)
				}
				waitIdle(b, db, 5*time.Minute)
				b.ReportMetric(float64(pipelines)/time.Since(t0).Seconds(), "scans/s")
				b.ReportMetric(float64(len(c.gl.Calls())-calls0)/pipelines, "calls/scan")
				rs := c.replicaSched().since(rs0)
				b.ReportMetric(rs.cpu, "replica-cpu-s")
				b.ReportMetric(rs.runq, "replica-runq-s")
				b.Logf("load average %s before, %s after", load0, loadavg())
			}
		})
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
