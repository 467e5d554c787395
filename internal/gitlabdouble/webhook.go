package gitlabdouble

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Delivery is one webhook event sent (or being sent) to one hook.
type Delivery struct {
	ID             int
	HookID         int
	ProjectID      int
	URL            string
	Event          string // X-Gitlab-Event, e.g. "Job Hook"
	EventUUID      string // X-Gitlab-Event-UUID, shared by all hooks receiving one event
	WebhookUUID    string // X-Gitlab-Webhook-UUID, fixed per hook
	IdempotencyKey string // Idempotency-Key, fixed across retries
	Header         http.Header
	Body           []byte
	Attempts       []Attempt
	// Status is the HTTP status of the last attempt, 0 if it never got one.
	Status    int
	Delivered bool // a 2xx answer was received
	Done      bool // no more attempts will be made
}

// Attempt is one POST of a delivery.
type Attempt struct {
	At     time.Time
	Status int
	Err    string
}

type retryPolicy struct {
	attempts int
	backoff  time.Duration
}

// Deliveries returns every webhook delivery attempted so far, oldest first.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Delivery, 0, len(s.deliveries))
	for _, d := range s.deliveries {
		c := *d
		c.Attempts = append([]Attempt(nil), d.Attempts...)
		c.Header = d.Header.Clone()
		out = append(out, c)
	}
	return out
}

// WaitDeliveries blocks until no delivery is in flight or ctx ends.
func (s *Server) WaitDeliveries(ctx context.Context) error {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		s.mu.Lock()
		n := s.inflight
		s.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for %d webhook deliveries: %w", n, ctx.Err())
		case <-tick.C:
		}
	}
}

// Redeliver sends d again verbatim, with the same headers (so the same
// Idempotency-Key and event UUID) and body, as a new Delivery record.
func (s *Server) Redeliver(d Delivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	nd := &Delivery{
		ID: len(s.deliveries) + 1, HookID: d.HookID, ProjectID: d.ProjectID, URL: d.URL, Event: d.Event,
		EventUUID: d.EventUUID, WebhookUUID: d.WebhookUUID, IdempotencyKey: d.IdempotencyKey,
		Header: d.Header.Clone(), Body: bytes.Clone(d.Body),
	}
	s.startDelivery(nd)
}

// dispatch sends an event to every hook of p subscribed to it. The caller holds s.mu.
func (s *Server) dispatch(p *projectState, event string, payload any) {
	body, err := json.Marshal(payload)
	if err != nil {
		s.logger.Error("encode webhook payload", "event", event, "err", err)
		return
	}
	eventUUID := newUUID()
	for _, h := range p.hooks {
		if !h.wants(event) {
			continue
		}
		d := &Delivery{
			ID: len(s.deliveries) + 1, HookID: h.ID, ProjectID: p.ID, URL: h.URL, Event: event,
			EventUUID: eventUUID, WebhookUUID: h.uuid, IdempotencyKey: newUUID(), Body: body,
		}
		d.Header = http.Header{}
		d.Header.Set("Content-Type", "application/json")
		d.Header.Set("User-Agent", "GitLab/"+s.version)
		d.Header.Set("X-Gitlab-Event", event)
		d.Header.Set("X-Gitlab-Instance", s.baseURL)
		d.Header.Set("X-Gitlab-Webhook-UUID", h.uuid)
		d.Header.Set("X-Gitlab-Event-UUID", eventUUID)
		d.Header.Set("Idempotency-Key", d.IdempotencyKey)
		if h.token != "" {
			d.Header.Set("X-Gitlab-Token", h.token)
		}
		s.startDelivery(d)
	}
}

// startDelivery records d and posts it in the background. The caller holds s.mu.
func (s *Server) startDelivery(d *Delivery) {
	s.deliveries = append(s.deliveries, d)
	s.inflight++
	go s.deliver(d)
}

func (s *Server) deliver(d *Delivery) {
	defer func() {
		s.mu.Lock()
		d.Done = true
		s.inflight--
		s.mu.Unlock()
	}()
	s.mu.Lock()
	policy := s.retry
	s.mu.Unlock()
	backoff := policy.backoff
	for attempt := 1; ; attempt++ {
		status, err := s.post(d)
		s.mu.Lock()
		a := Attempt{At: s.now(), Status: status}
		if err != nil {
			a.Err = err.Error()
		}
		d.Attempts = append(d.Attempts, a)
		d.Status = status
		d.Delivered = err == nil && status >= 200 && status < 300
		s.mu.Unlock()
		if d.Delivered || attempt >= policy.attempts {
			if !d.Delivered {
				s.logger.Warn("webhook delivery failed", "event", d.Event, "url", d.URL, "attempts", attempt, "status", status, "err", err)
			}
			return
		}
		select {
		case <-s.stop.Done():
			return
		case <-time.After(backoff):
		}
		backoff *= 2
	}
}

func (s *Server) post(d *Delivery) (int, error) {
	ctx, cancel := context.WithTimeout(s.stop, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return 0, fmt.Errorf("build webhook request: %w", err)
	}
	req.Header = d.Header.Clone()
	resp, err := s.hookHTTP.Do(req)
	if err != nil {
		return 0, fmt.Errorf("post webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, nil
}

// stopDeliveries abandons deliveries still being retried.
func (s *Server) stopDeliveries() { s.cancelStop() }
