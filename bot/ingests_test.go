package bot

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestIngestsAPIRefusesBadQueries(t *testing.T) {
	w := newWorld(t)
	w.start(nil)
	for _, q := range []string{"project=abc", "project=-1", "limit=0", "limit=5000"} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/api/ingests?"+q, nil)
		req.Header.Set("Authorization", "Bearer "+apiToken)
		w.bot.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("GET /api/ingests?%s = %d, want 400", q, rec.Code)
		}
	}
	if got := w.ingests("project=1"); len(got) != 0 {
		t.Errorf("a project never scanned lists %+v", got)
	}
}

// Without a token configured the API is off: what it lists (project ids,
// jobs, what runs where) is no stranger's business.
func TestAPIIsOffWithoutAToken(t *testing.T) {
	w := newWorld(t)
	cfg := w.config()
	cfg.APIToken = ""
	w.start(cfg)
	for _, path := range []string{"/api/ingests?project=1", "/api/assets"} {
		rec := httptest.NewRecorder()
		w.bot.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusForbidden {
			t.Errorf("GET %s without a configured token: %d, want 403", path, rec.Code)
		}
	}
}

func TestIngestsAPITokenWhenConfigured(t *testing.T) {
	w := newWorld(t)
	cfg := w.config()
	cfg.APIToken = "read-ingests"
	w.start(cfg)
	for auth, want := range map[string]int{"": 401, "Bearer nope": 401, "read-ingests": 401, "Bearer read-ingests": 200} {
		req := httptest.NewRequest(http.MethodGet, "/api/ingests?project=1", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		w.bot.Handler().ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("Authorization %q: %d, want %d", auth, rec.Code, want)
		}
	}
}
