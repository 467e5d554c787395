package replicas

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
	"gitlab.com/vigil-vm/vigil/internal/postgres"
)

// BenchmarkWebhookAck posts real-shaped Job Hooks at 500 a second for ten
// seconds through the balancer to three replicas, while they process them,
// and reports the acknowledgement latency and how many were lost (accepted
// but not in the ledger once the replicas are idle).
func BenchmarkWebhookAck(b *testing.B) {
	const (
		rate     = 500
		duration = 10 * time.Second
	)
	c := newCluster(b, 3, "--workers", "4", "--poll-interval", "50ms", "--sweep-interval", "0", "--patch=false")
	p := c.project("group/app", nil)
	c.gl.FinishPipeline(p.ID, gitlabdouble.PipelineSpec{Jobs: []gitlabdouble.JobSpec{{Name: "build", Stage: "build"}}})
	ctx := context.Background()
	if err := c.gl.WaitDeliveries(ctx); err != nil {
		b.Fatal(err)
	}
	sample := c.gl.Deliveries()[0]
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	for b.Loop() {
		var mu sync.Mutex
		var lat []time.Duration
		failed := 0
		var wg sync.WaitGroup
		tick := time.NewTicker(time.Second / rate)
		for i := range int(rate * duration / time.Second) {
			<-tick.C
			wg.Go(func() {
				req, _ := http.NewRequest(http.MethodPost, c.front.URL+"/webhooks/gitlab", bytes.NewReader(sample.Body))
				req.Header = sample.Header.Clone()
				req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%d-%d", b.N, i))
				req.Header.Set("X-Gitlab-Event-UUID", fmt.Sprintf("bench-event-%d-%d", b.N, i))
				t0 := time.Now()
				resp, err := client.Do(req)
				d := time.Since(t0)
				mu.Lock()
				defer mu.Unlock()
				if err != nil || resp.StatusCode != http.StatusAccepted {
					failed++
				} else {
					lat = append(lat, d)
				}
				if resp != nil {
					resp.Body.Close()
				}
			})
		}
		tick.Stop()
		wg.Wait()
		db, err := postgres.Open(ctx, c.database)
		if err != nil {
			b.Fatal(err)
		}
		waitIdle(b, db, 5*time.Minute)
		var stored int
		db.QueryRow(`SELECT COUNT(*) FROM vigil_deliveries WHERE dedup_key LIKE 'bench-%'`).Scan(&stored)
		db.Close()
		slices.Sort(lat)
		b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
		b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
		b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
		b.ReportMetric(float64(failed), "refused")
		b.ReportMetric(float64(len(lat)-stored), "lost")
	}
}

// BenchmarkIngest finishes 150 pipelines (a build and a scan job each, 450
// deliveries) over ten projects and reports how many scans a second one and
// three replicas ingest against the GitLab double.
func BenchmarkIngest(b *testing.B) {
	for _, n := range []int{1, 3} {
		b.Run(fmt.Sprintf("replicas=%d", n), func(b *testing.B) {
			const pipelines, projects = 150, 10
			c := newCluster(b, n, "--workers", "4", "--poll-interval", "50ms", "--sweep-interval", "0", "--patch=false")
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
			}
		})
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
