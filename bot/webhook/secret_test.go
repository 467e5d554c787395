package webhook

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func hookBody(id int, path string, extra string) string {
	return fmt.Sprintf(`{"object_kind":"note","project_id":%d,"project":{"id":%d,"path_with_namespace":%q}%s}`, id, id, path, extra)
}

func TestScopedSecrets(t *testing.T) {
	tests := []struct {
		name, token, body string
		code              int
	}{
		{"own project", "secret-a", hookBody(1, "team-a/app", ""), 202},
		{"project below the scope", "secret-a", hookBody(3, "team-a/sub/lib", ""), 202},
		{"secret of A for project B", "secret-a", hookBody(2, "team-b/app", ""), 401},
		{"path of A, id of B", "secret-a", strings.Replace(hookBody(1, "team-a/app", ""), `"project_id":1`, `"project_id":2`, 1), 401},
		{"path of A, attributes of B", "secret-a", hookBody(1, "team-a/app", `,"object_attributes":{"project_id":2}`), 401},
		{"no project", "secret-a", `{"object_kind":"note"}`, 401},
		// encoding/json matches keys case-insensitively and keeps the last:
		// the project the bot would read is B's.
		{"second project under another case", "secret-a", strings.TrimSuffix(hookBody(1, "team-a/app", ""), "}") +
			`,"Project":{"id":2,"path_with_namespace":"team-b/app"},"PROJECT_ID":2}`, 401},
		{"shared secret, any project", "shared", hookBody(2, "team-b/app", ""), 202},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &memStore{seen: map[string]Delivery{}}
			r, err := New(Config{Secrets: []string{"shared"}, Store: store,
				Scoped: []ScopedSecret{{Scope: "team-a/**", Secret: "secret-a"}, {Scope: "team-b/app", Secret: "secret-b"}}})
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest(http.MethodPost, "/webhooks/gitlab", strings.NewReader(tt.body))
			req.Header.Set("X-Gitlab-Token", tt.token)
			req.Header.Set("X-Gitlab-Event", "Note Hook")
			w := httptest.NewRecorder()
			r.ServeHTTP(w, req)
			if w.Code != tt.code {
				t.Errorf("status %d, want %d (%s)", w.Code, tt.code, w.Body)
			}
			if stored := len(store.seen); (tt.code == 202) != (stored == 1) {
				t.Errorf("stored %d deliveries for a %d", stored, w.Code)
			}
		})
	}
}

func TestParseScopedSecret(t *testing.T) {
	if s, ok := ParseScopedSecret("payments/**=abc=="); !ok || s.Scope != "payments/**" || s.Secret != "abc==" {
		t.Errorf("parsed %+v, %v", s, ok)
	}
	for _, bad := range []string{"nosecret", "=abc", "scope="} {
		if _, ok := ParseScopedSecret(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

// Unauthenticated requests with ever new X-Gitlab-Event values create no
// metrics series and only a handful of log lines.
func TestRefusedRequestsCostNothing(t *testing.T) {
	var logs bytes.Buffer
	events := map[string]bool{}
	store := &memStore{seen: map[string]Delivery{}}
	r, err := New(Config{Secrets: []string{"s"}, Store: store, Log: slog.New(slog.NewJSONHandler(&logs, nil)),
		Observe: func(event, _ string) { events[event] = true }})
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 64<<10)
	for i := range 200 {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/gitlab", strings.NewReader(`{}`))
		req.Header.Set("X-Gitlab-Event", fmt.Sprintf("%d%s", i, big))
		req.Header.Set("X-Gitlab-Token", "wrong")
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != http.StatusUnauthorized {
			t.Fatalf("status %d", w.Code)
		}
	}
	if len(events) != 1 || !events["other"] {
		t.Errorf("metric labels %v, want only \"other\"", events)
	}
	if lines := strings.Count(logs.String(), "\n"); lines > 10 || logs.Len() > 4096 {
		t.Errorf("200 refused requests wrote %d log lines, %d bytes", lines, logs.Len())
	}
	if strings.Contains(logs.String(), big[:100]) {
		t.Error("the log holds a header value of a refused request")
	}
	if len(store.seen) != 0 {
		t.Errorf("stored %d refused deliveries", len(store.seen))
	}
}
