package bot

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler serves POST /webhooks/gitlab, /healthz, /readyz, /metrics, GET /api/ingests,
// GET /api/assets and GET /dashboard.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/webhooks/gitlab", s.receiver)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !s.ready.Load() {
			http.Error(w, "not ready: workers not running", http.StatusServiceUnavailable)
			return
		}
		if err := s.db.PingContext(r.Context()); err != nil {
			http.Error(w, "not ready: data file unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /api/ingests", s.authorized(s.serveIngests))
	s.assetRoutes(mux)
	s.dashboardRoutes(mux)
	return mux
}
