package bot

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"gitlab.com/vigil-vm/vigil/bot/inbox"
	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/queue"
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
	m.reg.MustRegister(m.deliveries, m.apiCalls, m.jobs, m.patches, m.ingestSkips)
	return m
}

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
