package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

type memStore struct {
	mu   sync.Mutex
	seen map[string]Delivery
	err  error
}

func (m *memStore) Accept(_ context.Context, d Delivery) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return false, m.err
	}
	if _, ok := m.seen[d.Key]; ok {
		return false, nil
	}
	m.seen[d.Key] = d
	return true, nil
}

func TestReceiver(t *testing.T) {
	const body = `{"object_kind":"build","build_id":1}`
	tests := []struct {
		name    string
		method  string
		token   string
		event   string
		headers map[string]string
		body    string
		store   error
		code    int
		stored  int
		result  string
	}{
		{name: "accepted", token: "s3cret", event: "Job Hook", body: body, code: 202, stored: 1, result: ResultAccepted},
		{name: "second secret", token: "rotated", event: "Pipeline Hook", body: body, code: 202, stored: 1, result: ResultAccepted},
		{name: "wrong token", token: "s3cre", event: "Job Hook", body: body, code: 401, result: ResultUnauthorized},
		{name: "missing token", event: "Job Hook", body: body, code: 401, result: ResultUnauthorized},
		{name: "unsupported event", token: "s3cret", event: "Wiki Page Hook", body: body, code: 200, result: ResultIgnored},
		{name: "too large", token: "s3cret", event: "Job Hook", body: `{"x":"` + strings.Repeat("a", 2000) + `"}`, code: 413, result: ResultTooLarge},
		{name: "not json", token: "s3cret", event: "Note Hook", body: `{"x":`, code: 400, result: ResultMalformed},
		{name: "store down", token: "s3cret", event: "Job Hook", body: body, store: errors.New("disk full"), code: 503, result: ResultError},
		{name: "get", method: http.MethodGet, token: "s3cret", event: "Job Hook", code: 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &memStore{seen: map[string]Delivery{}, err: tt.store}
			var results []string
			acked := 0
			r, err := New(Config{Secrets: []string{"s3cret", "rotated"}, MaxBytes: 1024, Store: store,
				Observe: func(_, result string) { results = append(results, result) },
				Acked:   func(time.Duration) { acked++ }})
			if err != nil {
				t.Fatal(err)
			}
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			req := httptest.NewRequest(method, "/webhooks/gitlab", strings.NewReader(tt.body))
			if tt.token != "" {
				req.Header.Set("X-Gitlab-Token", tt.token)
			}
			req.Header.Set("X-Gitlab-Event", tt.event)
			w := httptest.NewRecorder()
			r.ServeHTTP(w, req)
			if w.Code != tt.code {
				t.Errorf("status = %d, want %d (%s)", w.Code, tt.code, w.Body)
			}
			if len(store.seen) != tt.stored {
				t.Errorf("stored %d deliveries, want %d", len(store.seen), tt.stored)
			}
			if tt.result != "" && (len(results) != 1 || results[0] != tt.result) {
				t.Errorf("observed %v, want %s", results, tt.result)
			}
			// Only acknowledged deliveries are timed: a stranger's refusal
			// is no ack time.
			if want := min(1, tt.stored); acked != want {
				t.Errorf("ack timed %d times, want %d", acked, want)
			}
			var rep reply
			if err := json.Unmarshal(w.Body.Bytes(), &rep); err != nil {
				t.Errorf("reply is not JSON: %s", w.Body)
			}
			if strings.Contains(w.Body.String(), "s3cret") {
				t.Error("reply contains the secret")
			}
		})
	}
}

func TestDuplicateDeliveries(t *testing.T) {
	store := &memStore{seen: map[string]Delivery{}}
	r, err := New(Config{Secrets: []string{"s"}, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	send := func(h map[string]string, body string) string {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/gitlab", bytes.NewBufferString(body))
		req.Header.Set("X-Gitlab-Token", "s")
		req.Header.Set("X-Gitlab-Event", "Job Hook")
		for k, v := range h {
			req.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != http.StatusAccepted {
			t.Fatalf("status %d", w.Code)
		}
		var rep reply
		json.Unmarshal(w.Body.Bytes(), &rep)
		return rep.Status
	}
	uuid := map[string]string{"X-Gitlab-Event-UUID": "u-1"}
	got := []string{send(uuid, `{"a":1}`), send(uuid, `{"a":1}`), send(uuid, `{"a":1}`)}
	if strings.Join(got, ",") != "accepted,duplicate,duplicate" {
		t.Errorf("same UUID thrice: %v", got)
	}
	// Idempotency-Key wins over the event UUID.
	if s := send(map[string]string{"Idempotency-Key": "k-1", "X-Gitlab-Event-UUID": "u-1"}, `{"a":1}`); s != "accepted" {
		t.Errorf("new Idempotency-Key: %s", s)
	}
	// Without either header, an identical body is the same delivery.
	if a, b := send(nil, `{"b":2}`), send(nil, `{"b":2}`); a != "accepted" || b != "duplicate" {
		t.Errorf("headerless: %s, %s", a, b)
	}
}

func TestNewNeedsSecret(t *testing.T) {
	if _, err := New(Config{Secrets: []string{" "}, Store: &memStore{}}); err == nil {
		t.Error("receiver without a secret was built")
	}
}

func FuzzReceiver(f *testing.F) {
	f.Add("Job Hook", []byte(`{"object_kind":"build"}`))
	f.Add("Note Hook", []byte(`[`))
	f.Add("Note Hook", []byte(`{"project_id":1,"project":{"id":1,"path_with_namespace":"team-a/x"},"object_attributes":{"project_id":1}}`))
	f.Fuzz(func(t *testing.T, event string, body []byte) {
		store := &memStore{seen: map[string]Delivery{}}
		r, _ := New(Config{Secrets: []string{"s"}, MaxBytes: 4096, Store: store,
			Scoped: []ScopedSecret{{Scope: "team-a/**", Secret: "a"}}})
		token := "s"
		if len(body) > 0 && body[0]%2 == 1 {
			token = "a" // half the inputs go through the scope check
		}
		req := httptest.NewRequest(http.MethodPost, "/webhooks/gitlab", bytes.NewReader(body))
		req.Header.Set("X-Gitlab-Token", token)
		req.Header.Set("X-Gitlab-Event", event)
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Errorf("status %d for %q", w.Code, body)
		}
		if len(store.seen) > 0 && w.Code != http.StatusAccepted {
			t.Errorf("stored a delivery answered %d", w.Code)
		}
		// What the scoped secret let in is about a project in its scope.
		if len(store.seen) > 0 && token == "a" {
			var p scopeFields // as the bot reads it
			if json.Unmarshal(body, &p) != nil || !strings.HasPrefix(p.Project.Path, "team-a/") {
				t.Errorf("scoped secret let in %q", body)
			}
		}
	})
}
