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
		w.bot.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/ingests?"+q, nil))
		if rec.Code != http.StatusBadRequest {
			t.Errorf("GET /api/ingests?%s = %d, want 400", q, rec.Code)
		}
	}
	if got := w.ingests("project=1"); len(got) != 0 {
		t.Errorf("a project never scanned lists %+v", got)
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
