package gitlabdouble

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault describes misbehaviour injected on one route, for reliability tests.
type Fault struct {
	// ErrorRate is the share (0..1) of requests answered 500.
	ErrorRate float64
	// Latency is added before each request is handled.
	Latency time.Duration
	// RateLimited is how many of the next requests are answered 429.
	RateLimited int
	// RetryAfter is sent in Retry-After with each 429 (default 1s).
	RetryAfter time.Duration
	// DropRate is the share (0..1) of requests whose connection is closed
	// without any response, before they are handled.
	DropRate float64
	// LoseRate is the share (0..1) of requests that are handled (the write
	// lands) but whose answer is lost: the connection closes instead.
	LoseRate float64
}

type faultState struct {
	Fault
	limited int
}

// SetFault injects f on route: a template as in Call.Route
// ("GET /projects/:id/issues"), a path template without method
// ("/projects/:id/issues", every method), or "*" for every route. A zero
// Fault removes it.
func (s *Server) SetFault(route string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f == (Fault{}) {
		delete(s.faults, route)
		return
	}
	s.faults[route] = &faultState{Fault: f, limited: f.RateLimited}
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = map[string]*faultState{}
}

// loseAnswer reports whether the answer to this request, once handled,
// is to be lost (Fault.LoseRate).
func (s *Server) loseAnswer(template string) bool {
	_, path, _ := strings.Cut(template, " ")
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, key := range []string{template, path, "*"} {
		if f, ok := s.faults[key]; ok && f.LoseRate > 0 && s.rng.Float64() < f.LoseRate {
			return true
		}
	}
	return false
}

// hangUp closes the client's connection without an answer.
func hangUp(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// discardWriter takes an answer nobody will read.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

// injectFault applies the faults matching template and reports whether the
// request was answered (or dropped) by them.
func (s *Server) injectFault(template string, w *statusWriter, r *http.Request) bool {
	_, path, _ := strings.Cut(template, " ")
	s.mu.Lock()
	var (
		latency             time.Duration
		limited, fail, drop bool
		retryAfter          = time.Second
	)
	for _, key := range []string{template, path, "*"} {
		f, ok := s.faults[key]
		if !ok {
			continue
		}
		latency += f.Latency
		if f.limited > 0 {
			f.limited--
			limited = true
			if f.RetryAfter > 0 {
				retryAfter = f.RetryAfter
			}
		}
		if f.DropRate > 0 && s.rng.Float64() < f.DropRate {
			drop = true
		}
		if f.ErrorRate > 0 && s.rng.Float64() < f.ErrorRate {
			fail = true
		}
	}
	s.mu.Unlock()

	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return true
		}
	}
	switch {
	case drop:
		w.hangUp = true // after the call is recorded (endpoint)
		return true
	case limited:
		secs := int((retryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		w.Header().Set("RateLimit-Limit", "600")
		w.Header().Set("RateLimit-Remaining", "0")
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte("Retry later\n"))
		return true
	case fail:
		writeJSON(w, http.StatusInternalServerError, map[string]string{"message": "500 Internal Server Error"})
		return true
	}
	return false
}
