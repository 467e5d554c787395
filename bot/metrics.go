package bot

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"gitlab.com/vigil-vm/vigil/bot/inbox"
	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/queue"
	"gitlab.com/vigil-vm/vigil/bot/readout"
	"gitlab.com/vigil-vm/vigil/bot/sla"
)

// metrics are the service's Prometheus series, in a registry of its own.
type metrics struct {
	reg        *prometheus.Registry
	deliveries *prometheus.CounterVec
	apiCalls   *prometheus.CounterVec
	jobs       *prometheus.CounterVec
	patches    *prometheus.CounterVec
	// ingestSkips counts scan jobs not recorded, by reason (ingest.Reasons).
	ingestSkips *prometheus.CounterVec
	// ack is the receiver's time to acknowledge a delivery; one series,
	// so a stranger's request adds none.
	ack prometheus.Histogram
	// lockWait is how long delivery work waited for its project's lock,
	// holding a worker: a large sum means workers queue behind a few
	// projects while other projects' jobs wait.
	lockWait prometheus.Histogram
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_bot_webhook_deliveries_total", Help: "Webhook deliveries received, by event and result.",
		}, []string{"event", "result"}),
		apiCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_bot_gitlab_api_calls_total", Help: "GitLab API calls, by endpoint and HTTP status (0: no response).",
		}, []string{"endpoint", "status"}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_bot_deliveries_processed_total", Help: "Stored deliveries processed by the workers, by event and result.",
		}, []string{"event", "result"}),
		patches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_bot_patch_merge_requests_total", Help: "Patch merge request outcomes, by action (opened, updated, unchanged, skipped, failed, …).",
		}, []string{"action"}),
	}
	m.ingestSkips = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vigil_bot_ingests_skipped_total", Help: "Scan jobs whose reports were not recorded, by reason.",
	}, []string{"reason"})
	m.ack = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "vigil_bot_webhook_ack_seconds", Help: "Time from a webhook request's start to its 202, for stored and duplicate deliveries.",
		Buckets: []float64{.0005, .001, .002, .003, .005, .0075, .01, .015, .02, .05, .1, .25, .5, 1},
	})
	m.lockWait = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "vigil_bot_project_lock_wait_seconds", Help: "Time delivery work waited for its project's lock (in this process and, on PostgreSQL, across replicas).",
		Buckets: []float64{.001, .01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	})
	// The Go runtime's series (GC pauses, goroutines, heap) explain an ack
	// tail that the database's do not.
	m.reg.MustRegister(m.deliveries, m.apiCalls, m.jobs, m.patches, m.ingestSkips, m.ack, m.lockWait, collectors.NewGoCollector())
	return m
}

// watchPool exports db's pool statistics under db_name=name: waits for a
// connection (go_sql_wait_count_total, go_sql_wait_duration_seconds_total)
// show work queueing behind a full pool.
func (m *metrics) watchPool(name string, db *sql.DB) {
	m.reg.MustRegister(collectors.NewDBStatsCollector(db, name))
}

// acked records one acknowledged delivery's ack time.
func (m *metrics) acked(d time.Duration) { m.ack.Observe(d.Seconds()) }

// observe counts one webhook delivery.
func (m *metrics) observe(event, result string) {
	if event == "" {
		event = "none"
	}
	m.deliveries.WithLabelValues(event, result).Inc()
}

// instrument counts API calls by templated endpoint, e.g. "PUT /projects/:id/issues/:iid".
func (m *metrics) instrument(next http.RoundTripper) http.RoundTripper {
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		status := "0"
		if resp != nil {
			status = strconv.Itoa(resp.StatusCode)
		}
		m.apiCalls.WithLabelValues(req.Method+" "+Endpoint(req.URL.EscapedPath()), status).Inc()
		return resp, err
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Endpoint turns an API path into a low-cardinality template: ids and
// escaped project paths become ":id", artifact paths "*".
func Endpoint(path string) string {
	path = strings.TrimPrefix(path, "/api/v4")
	parts := strings.Split(strings.Trim(path, "/"), "/")
	for i, p := range parts {
		if i > 0 && parts[i-1] == "artifacts" && p != "" {
			parts = append(parts[:i], "*")
			break
		}
		if _, err := strconv.ParseInt(p, 10, 64); err == nil || strings.Contains(p, "%2F") || strings.Contains(p, "%2f") {
			parts[i] = ":id"
		}
	}
	return "/" + strings.Join(parts, "/")
}

// stateCollector reads gauges from the ledger and the queue at scrape time.
type stateCollector struct {
	ledger   *ledger.Ledger
	queue    *queue.Queue
	inbox    *inbox.Inbox
	open     *prometheus.Desc
	depth    *prometheus.Desc
	inboxed  *prometheus.Desc
	breaches *prometheus.Desc
}

func newStateCollector(l *ledger.Ledger, q *queue.Queue, in *inbox.Inbox) *stateCollector {
	return &stateCollector{
		ledger:   l,
		queue:    q,
		inbox:    in,
		inboxed:  prometheus.NewDesc("vigil_bot_webhook_inbox_pending", "Accepted webhook deliveries not queued yet.", nil, nil),
		open:     prometheus.NewDesc("vigil_bot_open_findings", "Findings currently detected, by severity.", []string{"severity"}, nil),
		depth:    prometheus.NewDesc("vigil_bot_queue_depth", "Jobs waiting, scheduled, retrying or running.", nil, nil),
		breaches: prometheus.NewDesc("vigil_bot_sla_breaches", "Open tracked issues past their SLA due date.", nil, nil),
	}
}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.open
	ch <- c.depth
	ch <- c.inboxed
	ch <- c.breaches
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx := context.Background()
	if counts, err := c.ledger.OpenBySeverity(ctx); err == nil {
		for sev, n := range counts {
			ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, float64(n), sev.String())
		}
	}
	if n, err := c.queue.Depth(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(n))
	}
	if n, err := c.inbox.Count(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(c.inboxed, prometheus.GaugeValue, float64(n))
	}
	if issues, err := c.ledger.TrackedIssues(ctx); err == nil {
		n := 0
		for _, is := range issues {
			if is.State == "opened" && is.Exception == "" && is.Reminded == int(sla.Breached) {
				n++
			}
		}
		ch <- prometheus.MustNewConstMetric(c.breaches, prometheus.GaugeValue, float64(n))
	}
}

// ReadoutMetrics shapes the read-out gauges: the numbers of `vigil report`
// over a rolling window, recomputed from the ledger's history at most once
// per Interval (a scrape between reuses them).
type ReadoutMetrics struct {
	// GroupDepth is how many path segments name a group in the group
	// label (1: "acme" for acme/web/shop), which bounds its values.
	GroupDepth int           `yaml:"group_depth"`
	Window     time.Duration `yaml:"window"`
	Interval   time.Duration `yaml:"interval"`
}

// DefaultReadoutMetrics are top-level groups, the last 30 days, every 5 minutes.
func DefaultReadoutMetrics() ReadoutMetrics {
	return ReadoutMetrics{GroupDepth: 1, Window: 30 * 24 * time.Hour, Interval: 5 * time.Minute}
}

// readoutDesc names every read-out gauge with its labels; the Grafana
// dashboard (deploy/grafana/vigil.json) queries these names.
var readoutDesc = map[string]*prometheus.Desc{
	"past_due":   prometheus.NewDesc("vigil_bot_findings_past_due", "Open findings past their SLA due date without an exception, by severity.", []string{"severity"}, nil),
	"new":        prometheus.NewDesc("vigil_bot_findings_new", "Findings detected in the read-out window, by severity.", []string{"severity"}, nil),
	"fixed":      prometheus.NewDesc("vigil_bot_findings_fixed", "Findings resolved in the read-out window, by severity.", []string{"severity"}, nil),
	"with_due":   prometheus.NewDesc("vigil_bot_findings_resolved_with_due", "Findings resolved in the read-out window that had an SLA due date, by severity.", []string{"severity"}, nil),
	"within":     prometheus.NewDesc("vigil_bot_findings_resolved_within_sla", "Findings resolved in the read-out window by their SLA due date, by severity.", []string{"severity"}, nil),
	"compliance": prometheus.NewDesc("vigil_bot_sla_compliance_ratio", "Share of the findings resolved in the window (with a due date) that were resolved by it, by severity.", []string{"severity"}, nil),
	"mttr":       prometheus.NewDesc("vigil_bot_mttr_days", "Time to remediate of the findings resolved in the window, in days, by severity and statistic (mean, median, p90).", []string{"severity", "stat"}, nil),
	"group_open": prometheus.NewDesc("vigil_bot_group_open_findings", "Open findings by group (at the configured depth).", []string{"group"}, nil),
	"group_due":  prometheus.NewDesc("vigil_bot_group_past_due_findings", "Past-due findings by group (at the configured depth).", []string{"group"}, nil),
	"tier_open":  prometheus.NewDesc("vigil_bot_tier_open_findings", "Open findings by inventory tier (\"\": none known).", []string{"tier"}, nil),
	"tier_due":   prometheus.NewDesc("vigil_bot_tier_past_due_findings", "Past-due findings by inventory tier.", []string{"tier"}, nil),
	"exceptions": prometheus.NewDesc("vigil_bot_exceptions", "Exceptions in force (state=active) and accepted risks ending within 30 days (state=expiring).", []string{"state"}, nil),
	"patches":    prometheus.NewDesc("vigil_bot_patch_merge_requests", "Patch merge requests in the read-out window, by step (opened, merged, auto_merged, closed).", []string{"step"}, nil),
	"merge_days": prometheus.NewDesc("vigil_bot_patch_merge_median_days", "Median days from opening to merge of the patch merge requests merged in the window.", nil, nil),
	"coverage":   prometheus.NewDesc("vigil_bot_inventory_scanned_ratio", "Share of inventoried assets a scan covered within the window.", nil, nil),
	"unscanned":  prometheus.NewDesc("vigil_bot_inventory_running_unscanned", "Running images no scan ever covered.", nil, nil),
}

// readoutCollector serves the read-out gauges, cached for an interval.
type readoutCollector struct {
	ledger *ledger.Ledger
	now    func() time.Time
	cfg    ReadoutMetrics
	mu     sync.Mutex
	last   time.Time
	r      *readout.Readout
}

func newReadoutCollector(l *ledger.Ledger, now func() time.Time, cfg ReadoutMetrics) *readoutCollector {
	return &readoutCollector{ledger: l, now: now, cfg: cfg}
}

func (c *readoutCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range readoutDesc {
		ch <- d
	}
}

// current is the cached read-out, recomputed once it is older than the
// interval; a failed computation keeps serving the last one.
func (c *readoutCollector) current() *readout.Readout {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now().UTC()
	if c.r != nil && now.Sub(c.last) < c.cfg.Interval {
		return c.r
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The state now, with what happened at this very instant.
	until := now.Add(time.Nanosecond)
	o := readout.Options{Since: until.Add(-c.cfg.Window), Until: until, GroupDepth: c.cfg.GroupDepth, Top: 1}
	cov, err := readout.CoverageFrom(ctx, c.ledger, "", c.cfg.Window, until)
	if err == nil {
		o.Coverage = cov
		if r, err := readout.FromLedger(ctx, c.ledger, o); err == nil {
			c.r, c.last = r, now
		}
	}
	return c.r
}

func (c *readoutCollector) Collect(ch chan<- prometheus.Metric) {
	r := c.current()
	if r == nil {
		return
	}
	gauge := func(name string, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(readoutDesc[name], prometheus.GaugeValue, v, labels...)
	}
	for _, s := range r.Severities {
		sev := s.Severity.String()
		gauge("past_due", float64(s.PastDue), sev)
		gauge("new", float64(s.New), sev)
		gauge("fixed", float64(s.Fixed), sev)
		gauge("with_due", float64(s.Compliance.Resolved), sev)
		gauge("within", float64(s.Compliance.WithinSLA), sev)
		if s.Compliance.Resolved > 0 {
			gauge("compliance", s.Compliance.Ratio, sev)
		}
		if s.MTTR.Count > 0 {
			gauge("mttr", s.MTTR.MeanDays, sev, "mean")
			gauge("mttr", s.MTTR.MedianDays, sev, "median")
			gauge("mttr", s.MTTR.P90Days, sev, "p90")
		}
	}
	for _, g := range r.Groups {
		gauge("group_open", float64(g.Open), g.Group)
		gauge("group_due", float64(g.PastDue), g.Group)
	}
	for _, t := range r.Tiers {
		gauge("tier_open", float64(t.Open), t.Tier)
		gauge("tier_due", float64(t.PastDue), t.Tier)
	}
	gauge("exceptions", float64(r.Exceptions.Active), "active")
	gauge("exceptions", float64(r.Exceptions.Expiring), "expiring")
	p := r.Patches
	for step, n := range map[string]int{"opened": p.Opened, "merged": p.Merged, "auto_merged": p.AutoMerged, "closed": p.Closed} {
		gauge("patches", float64(n), step)
	}
	gauge("merge_days", p.MedianDaysToMerge)
	if r.Coverage != nil {
		gauge("coverage", r.Coverage.Ratio)
		gauge("unscanned", float64(r.Coverage.RunningUnscanned))
	}
}
