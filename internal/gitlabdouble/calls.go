package gitlabdouble

import (
	"net/http"
	"time"
)

// Call is one API request the double answered (or refused).
type Call struct {
	Method string
	// Route is the endpoint template, e.g. "POST /projects/:id/issues".
	Route string
	// Path is the escaped request path below /api/v4.
	Path   string
	Status int // 0 when the connection was dropped
	// Write is true for every method that can change state (not GET or HEAD).
	Write bool
	At    time.Time
}

// Calls returns every API call since the start or the last ResetCalls.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// ResetCalls forgets the recorded calls.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// CallCount counts recorded calls to route (a template such as
// "PUT /projects/:id/issues/:issue_iid").
func (s *Server) CallCount(route string) int {
	n := 0
	for _, c := range s.Calls() {
		if c.Route == route {
			n++
		}
	}
	return n
}

// CallCounts counts recorded calls by route template.
func (s *Server) CallCounts() map[string]int {
	out := map[string]int{}
	for _, c := range s.Calls() {
		out[c.Route]++
	}
	return out
}

// Writes returns the recorded calls that could have changed state.
func (s *Server) Writes() []Call {
	var out []Call
	for _, c := range s.Calls() {
		if c.Write {
			out = append(out, c)
		}
	}
	return out
}

// endpoint wraps a handler with what every GitLab endpoint does: injected
// faults, authentication, parameter parsing, the state lock, and recording.
func (s *Server) endpoint(template string, h func(*request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, hr *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			s.mu.Lock()
			s.calls = append(s.calls, Call{
				Method: hr.Method, Route: template, Path: trimAPI(hr.URL.EscapedPath()),
				Status: sw.status, Write: hr.Method != http.MethodGet && hr.Method != http.MethodHead,
				At: s.now(),
			})
			s.mu.Unlock()
			if sw.hangUp {
				hangUp(w)
			}
		}()
		if s.injectFault(template, sw, hr) {
			return
		}
		if s.loseAnswer(template) {
			// Handle the request for real, then hang up: the write lands
			// and the client never learns it did.
			sw.ResponseWriter = &discardWriter{h: http.Header{}}
			sw.hangUp = true
		}
		p, err := readParams(hr)
		s.mu.Lock()
		defer s.mu.Unlock()
		u := s.authenticate(hr)
		if u == nil {
			writeJSON(sw, http.StatusUnauthorized, map[string]string{"message": "401 Unauthorized"})
			return
		}
		req := &request{s: s, w: sw, r: hr, user: u, params: p}
		if err != nil {
			req.json(http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		h(req)
	})
}

func trimAPI(p string) string {
	if len(p) >= len(apiPrefix) && p[:len(apiPrefix)] == apiPrefix {
		return p[len(apiPrefix):]
	}
	return p
}
