package replicas

import (
	"math"
	"net/http"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// serverSide is what the replicas' /metrics say about the acks: their own
// ack-time histogram, their pools' waits for a connection and the Go
// runtime's longest GC pause, summed (or the maximum) over the replicas.
type serverSide struct {
	buckets map[float64]uint64 // upper bound → acks at most that long
	acks    uint64
	pools   map[string]pool // by db_name: "ledger", "inbox"
	gcMax   float64         // seconds
	gcs     uint64          // GC cycles
}

// pool is one connection pool's counters, summed over the replicas.
type pool struct {
	waits      float64 // times a caller waited for a free connection
	wait       float64 // seconds waited in all
	idleClosed float64 // connections closed because the idle pool was full
	maxOpen    float64
}

// scrape reads the live replicas' metrics.
func (c *cluster) scrape(t testing.TB) serverSide {
	t.Helper()
	s := serverSide{buckets: map[float64]uint64{}, pools: map[string]pool{}}
	for _, rep := range c.replicas {
		if rep.dead.Load() {
			continue
		}
		resp, err := http.Get(rep.url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		parser := expfmt.NewTextParser(model.UTF8Validation)
		fams, err := parser.TextToMetricFamilies(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		s.add(fams)
	}
	return s
}

func (s *serverSide) add(fams map[string]*dto.MetricFamily) {
	for _, m := range metrics(fams, "vigil_bot_webhook_ack_seconds") {
		s.acks += m.GetHistogram().GetSampleCount()
		for _, b := range m.GetHistogram().GetBucket() {
			s.buckets[b.GetUpperBound()] += b.GetCumulativeCount()
		}
	}
	s.addPools(fams, "go_sql_wait_count_total", func(p *pool, v float64) { p.waits += v })
	s.addPools(fams, "go_sql_wait_duration_seconds_total", func(p *pool, v float64) { p.wait += v })
	s.addPools(fams, "go_sql_max_idle_closed_total", func(p *pool, v float64) { p.idleClosed += v })
	for _, m := range metrics(fams, "go_gc_duration_seconds") {
		s.gcs += m.GetSummary().GetSampleCount()
		for _, q := range m.GetSummary().GetQuantile() {
			if q.GetQuantile() == 1 {
				s.gcMax = max(s.gcMax, q.GetValue())
			}
		}
	}
}

// addPools adds a go_sql_* series of every pool (by db_name) with add.
func (s *serverSide) addPools(fams map[string]*dto.MetricFamily, name string, add func(*pool, float64)) {
	for _, m := range metrics(fams, name) {
		var db string
		for _, l := range m.GetLabel() {
			if l.GetName() == "db_name" {
				db = l.GetValue()
			}
		}
		p := s.pools[db]
		add(&p, m.GetCounter().GetValue()+m.GetGauge().GetValue())
		s.pools[db] = p
	}
}

func metrics(fams map[string]*dto.MetricFamily, name string) []*dto.Metric {
	if f, ok := fams[name]; ok {
		return f.GetMetric()
	}
	return nil
}

// quantile is the upper bound of the histogram bucket holding the q-th
// quantile of the acks: a bound, as precise as the buckets.
func (s serverSide) quantile(q float64) float64 {
	want := uint64(math.Ceil(q * float64(s.acks)))
	best := math.Inf(1)
	for bound, n := range s.buckets {
		if n >= want && bound < best {
			best = bound
		}
	}
	return best
}

// report prints the server-side figures.
func (s serverSide) report(b *testing.B) {
	b.ReportMetric(1000*s.quantile(0.5), "server-p50-ms")
	b.ReportMetric(1000*s.quantile(0.99), "server-p99-ms")
	b.ReportMetric(1000*s.gcMax, "gc-max-ms")
	b.ReportMetric(float64(s.gcs), "gcs")
	for name, p := range s.pools {
		b.ReportMetric(p.waits, name+"-pool-waits")
		b.ReportMetric(1000*p.wait, name+"-pool-wait-ms")
		b.ReportMetric(p.idleClosed, name+"-pool-idle-closed")
	}
}

// since is s less what before counted: the figures of one run.
func (s serverSide) since(before serverSide) serverSide {
	out := serverSide{buckets: map[float64]uint64{}, pools: map[string]pool{}, acks: s.acks - before.acks, gcMax: s.gcMax, gcs: s.gcs - before.gcs}
	for b, n := range s.buckets {
		out.buckets[b] = n - before.buckets[b]
	}
	for name, p := range s.pools {
		was := before.pools[name]
		out.pools[name] = pool{waits: p.waits - was.waits, wait: p.wait - was.wait,
			idleClosed: p.idleClosed - was.idleClosed}
	}
	return out
}
