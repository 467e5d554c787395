package webhook

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// Events the bot acts on; every other event is acknowledged and ignored.
var accepted = map[gitlab.EventType]bool{
	gitlab.EventTypeJob:           true,
	gitlab.EventTypePipeline:      true,
	gitlab.EventTypeIssue:         true,
	gitlab.EventConfidentialIssue: true,
	gitlab.EventTypeNote:          true,
	gitlab.EventConfidentialNote:  true,
	gitlab.EventTypeMergeRequest:  true,
}

// known are the other events GitLab sends, counted under their own name
// although the bot ignores them; any other X-Gitlab-Event value is counted
// as "other", so no request can create a metrics series.
var known = map[gitlab.EventType]bool{
	gitlab.EventTypePush: true, gitlab.EventTypeTagPush: true, gitlab.EventTypeWikiPage: true, gitlab.EventTypeDeployment: true,
	gitlab.EventTypeFeatureFlag: true, gitlab.EventTypeRelease: true, gitlab.EventTypeEmoji: true, gitlab.EventTypeResourceAccessToken: true,
	gitlab.EventTypeMember: true, gitlab.EventTypeSubGroup: true, gitlab.EventTypeProject: true, gitlab.EventTypeMilestone: true,
	gitlab.EventTypeVulnerability: true, gitlab.EventTypeSystemHook: true,
}

// EventLabel is the metrics label of an X-Gitlab-Event value: the event
// for GitLab's events, "other" for anything else, "none" when absent.
func EventLabel(event string) string {
	switch {
	case event == "":
		return "none"
	case accepted[gitlab.EventType(event)] || known[gitlab.EventType(event)]:
		return event
	}
	return "other"
}

// Results of a delivery, as counted by the Observe callback.
const (
	ResultAccepted     = "accepted"
	ResultDuplicate    = "duplicate"
	ResultIgnored      = "ignored"
	ResultUnauthorized = "unauthorized"
	ResultTooLarge     = "too_large"
	ResultMalformed    = "malformed"
	ResultError        = "error"
)

// Store keeps a delivery durably before it is acknowledged (the bot's is
// bot/inbox). It returns false when a delivery with the same key is kept
// already.
type Store interface {
	Accept(ctx context.Context, d Delivery) (bool, error)
}

// Config configures a Receiver.
type Config struct {
	// Secrets are the accepted X-Gitlab-Token values for every project; at
	// least one secret, here or in Scoped, is needed.
	Secrets []string
	// Scoped are secrets accepted only for deliveries about projects whose
	// path matches their scope.
	Scoped []ScopedSecret
	// MaxBytes bounds a body; larger ones get 413. 0 means 25 MiB (GitLab's own cap).
	MaxBytes int64
	Store    Store
	Log      *slog.Logger
	// Observe, when set, is told the event and result of every request.
	Observe func(event, result string)
	// Acked, when set, is told how long each acknowledged delivery (stored
	// or duplicate) took from the handler's start to its 202: the ack time
	// the receiver itself adds, apart from the network and any balancer.
	Acked func(time.Duration)
	Now   func() time.Time
}

// Receiver is the http.Handler of POST /webhooks/gitlab.
type Receiver struct {
	cfg     Config
	secrets []secret
	refused *limiter
}

// New returns a receiver; it refuses a configuration without a secret.
func New(cfg Config) (*Receiver, error) {
	if cfg.Store == nil {
		return nil, errors.New("webhook receiver needs a store")
	}
	r := &Receiver{cfg: cfg, refused: newLimiter(time.Second, 5)}
	for _, s := range cfg.Secrets {
		if s = strings.TrimSpace(s); s != "" {
			r.secrets = append(r.secrets, secret{hash: sha256.Sum256([]byte(s))})
		}
	}
	for _, s := range cfg.Scoped {
		if v := strings.TrimSpace(s.Secret); v != "" && s.Scope != "" {
			r.secrets = append(r.secrets, secret{hash: sha256.Sum256([]byte(v)), scope: s.Scope})
		}
	}
	if len(r.secrets) == 0 {
		return nil, errors.New("webhook receiver needs at least one secret token")
	}
	if r.cfg.MaxBytes <= 0 {
		r.cfg.MaxBytes = 25 << 20
	}
	if r.cfg.Log == nil {
		r.cfg.Log = slog.New(slog.DiscardHandler)
	}
	if r.cfg.Now == nil {
		r.cfg.Now = time.Now
	}
	return r, nil
}

type reply struct {
	Status string `json:"status"`
	Key    string `json:"key,omitempty"`
	Error  string `json:"error,omitempty"`
}

func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	start := time.Now() // the wall clock, not cfg.Now: tests fake that one
	event := req.Header.Get("X-Gitlab-Event")
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		r.respond(w, event, http.StatusMethodNotAllowed, "", reply{Status: "error", Error: "use POST"})
		return
	}
	grant := r.authorize(req.Header.Get("X-Gitlab-Token"))
	if !grant.ok() {
		r.respond(w, event, http.StatusUnauthorized, ResultUnauthorized, reply{Status: "error", Error: "missing or wrong X-Gitlab-Token"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, r.cfg.MaxBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			r.respond(w, event, http.StatusRequestEntityTooLarge, ResultTooLarge,
				reply{Status: "error", Error: fmt.Sprintf("body exceeds %d bytes", r.cfg.MaxBytes)})
			return
		}
		r.respond(w, event, http.StatusBadRequest, ResultMalformed, reply{Status: "error", Error: "could not read body"})
		return
	}
	if !accepted[gitlab.EventType(event)] {
		r.respond(w, event, http.StatusOK, ResultIgnored, reply{Status: "ignored"})
		return
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		r.respond(w, event, http.StatusBadRequest, ResultMalformed, reply{Status: "error", Error: "body is not a JSON object"})
		return
	}
	if !grant.covers(body) {
		// Refused like a wrong token: a secret scoped to other projects
		// says nothing about this one, and nothing is stored.
		r.respond(w, event, http.StatusUnauthorized, ResultUnauthorized, reply{Status: "error", Error: "X-Gitlab-Token is not valid for this project"})
		return
	}
	key := DeliveryKey(req.Header, event, body)
	stored, err := r.cfg.Store.Accept(req.Context(), Delivery{Key: key, Event: event, Body: body, Received: r.cfg.Now()})
	if err != nil {
		r.cfg.Log.Error("store webhook delivery", "event", event, "key", key, "err", err)
		r.respond(w, event, http.StatusServiceUnavailable, ResultError, reply{Status: "error", Key: key, Error: "could not store delivery; retry"})
		return
	}
	result, status := ResultAccepted, "accepted"
	if !stored {
		result, status = ResultDuplicate, "duplicate"
	}
	r.respond(w, event, http.StatusAccepted, result, reply{Status: status, Key: key})
	if r.cfg.Acked != nil {
		r.cfg.Acked(time.Since(start))
	}
}

func (r *Receiver) respond(w http.ResponseWriter, event string, code int, result string, body reply) {
	label := EventLabel(event)
	if result != "" {
		r.logResult(label, code, result, body)
		if r.cfg.Observe != nil {
			r.cfg.Observe(label, result)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(body)
}

// logResult logs a delivery's outcome. Refusals are what anyone on the
// network can cause, so they are rate-limited and carry only fixed labels.
func (r *Receiver) logResult(label string, code int, result string, body reply) {
	level, attrs := slog.LevelInfo, []any{"event", label, "result", result, "status", code}
	if code >= 400 {
		level = slog.LevelWarn
	}
	if code == http.StatusUnauthorized || code == http.StatusMethodNotAllowed || code == http.StatusRequestEntityTooLarge {
		ok, suppressed := r.refused.allow(r.cfg.Now())
		if !ok {
			return
		}
		if suppressed > 0 {
			attrs = append(attrs, "suppressed", suppressed)
		}
	}
	if body.Key != "" {
		attrs = append(attrs, "key", body.Key)
	}
	if body.Error != "" {
		attrs = append(attrs, "reason", body.Error)
	}
	r.cfg.Log.Log(context.Background(), level, "webhook delivery", attrs...)
}

// DeliveryKey is the deduplication key of a delivery: Idempotency-Key, else
// X-Gitlab-Event-UUID, else a digest of the event and body.
func DeliveryKey(h http.Header, event string, body []byte) string {
	if k := strings.TrimSpace(h.Get("Idempotency-Key")); k != "" {
		return k
	}
	if k := strings.TrimSpace(h.Get("X-Gitlab-Event-UUID")); k != "" {
		return k
	}
	sum := sha256.Sum256(append([]byte(event+"\x00"), body...))
	return "sha256:" + hex.EncodeToString(sum[:])
}
