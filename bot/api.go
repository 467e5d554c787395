package bot

import (
	"encoding/json"
	"net/http"
	"strconv"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
)

// assetRoutes serves GET /api/assets (filters owner, tier, cluster, image,
// has-findings) and GET /api/assets/{digest}, behind the API token as GET
// /api/ingests is.
func (s *Service) assetRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/assets", s.authorized(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		f := ledger.AssetFilter{Owner: q.Get("owner"), Tier: q.Get("tier"), Cluster: q.Get("cluster"), Image: q.Get("image")}
		if v := q.Get("has-findings"); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				http.Error(w, "has-findings: want true or false", http.StatusBadRequest)
				return
			}
			f.HasFindings = &b
		}
		s.writeAssets(w, r, f, false)
	}))
	mux.HandleFunc("GET /api/assets/{digest}", s.authorized(func(w http.ResponseWriter, r *http.Request) {
		s.writeAssets(w, r, ledger.AssetFilter{Digest: r.PathValue("digest")}, true)
	}))
}

func (s *Service) writeAssets(w http.ResponseWriter, r *http.Request, f ledger.AssetFilter, one bool) {
	views, err := s.ledger.Assets().AssetViews(r.Context(), f)
	if err != nil {
		s.log.Error("list assets", "err", err)
		http.Error(w, "ledger unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	var body any = views
	if views == nil {
		body = []ledger.AssetView{}
	}
	if one {
		if len(views) != 1 {
			http.Error(w, `{"message":"404 Asset Not Found"}`, http.StatusNotFound)
			return
		}
		body = views[0]
	}
	_ = json.NewEncoder(w).Encode(body)
}

// authorized lets through requests the API token allows; others get 401
// and cost nothing else.
func (s *Service) authorized(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.APIToken == "" {
			http.Error(w, "the API is off: set VIGIL_API_TOKEN and send it as a bearer token", http.StatusForbidden)
			return
		}
		if !s.apiAllowed(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="vigil"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h(w, r)
	}
}
