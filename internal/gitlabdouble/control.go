package gitlabdouble

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// The control API lets a separate process (an end-to-end test, the README
// demo) drive a standalone double the way Go tests call its methods. It
// lives under /-/double/, outside GitLab's API, and takes no token: serve it
// on loopback only.

// controlPipeline is the JSON form of PipelineSpec.
type controlPipeline struct {
	Ref    string       `json:"ref"`
	SHA    string       `json:"sha"`
	Status string       `json:"status"`
	Source string       `json:"source"`
	User   string       `json:"user"`
	Jobs   []controlJob `json:"jobs"`
}

type controlJob struct {
	Name         string            `json:"name"`
	Stage        string            `json:"stage"`
	Status       string            `json:"status"`
	AllowFailure bool              `json:"allow_failure"`
	Artifacts    map[string]string `json:"artifacts"`        // path → text
	Artifacts64  map[string]string `json:"artifacts_base64"` // path → base64
	Reports      map[string]string `json:"reports"`
	DurationSecs float64           `json:"duration_seconds"`
}

// controlRoutes are the double's own endpoints, which tests and the demo
// drive it through.
func (s *Server) controlRoutes() {
	s.control("POST /-/double/projects/{id}/pipelines", s.controlPipeline)
	s.control("POST /-/double/projects/{id}/issues/{iid}/close", s.controlIssueAction(func(u string, p, i int, _ string) { s.CloseIssueAs(u, p, i) }))
	s.control("POST /-/double/projects/{id}/issues/{iid}/reopen", s.controlIssueAction(func(u string, p, i int, _ string) { s.ReopenIssueAs(u, p, i) }))
	s.control("POST /-/double/projects/{id}/issues/{iid}/notes", s.controlIssueAction(func(u string, p, i int, b string) { s.AddNoteAs(u, p, i, b) }))
	s.control("POST /-/double/projects/{id}/merge_requests/{iid}/merge", s.controlIssueAction(func(u string, p, i int, _ string) {
		if err := s.MergeMRAs(u, p, i); err != nil {
			panic(err.Error())
		}
	}))
	s.control("GET /-/double/calls", func(http.ResponseWriter, *http.Request) (any, error) { return nonNil(s.Calls()), nil })
	s.control("DELETE /-/double/calls", func(http.ResponseWriter, *http.Request) (any, error) {
		s.ResetCalls()
		return map[string]bool{"ok": true}, nil
	})
	s.control("GET /-/double/deliveries", func(http.ResponseWriter, *http.Request) (any, error) { return nonNil(s.Deliveries()), nil })
	s.control("PUT /-/double/faults", s.controlFault)
}

// control routes pattern to fn, whose value is the JSON answer; an error
// or a panic is a 400 with its message.
func (s *Server) control(pattern string, fn func(w http.ResponseWriter, r *http.Request) (any, error)) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		v, err := func() (v any, err error) {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("%v", p)
				}
			}()
			return fn(w, r)
		}()
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, v)
	})
}

// controlPipeline finishes a pipeline described in the request.
func (s *Server) controlPipeline(w http.ResponseWriter, r *http.Request) (any, error) {
	id, err := s.controlProject(r)
	if err != nil {
		return nil, err
	}
	var cp controlPipeline
	if err := json.NewDecoder(r.Body).Decode(&cp); err != nil {
		return nil, fmt.Errorf("decode pipeline: %w", err)
	}
	spec := PipelineSpec{Ref: cp.Ref, SHA: cp.SHA, Status: cp.Status, Source: cp.Source, User: cp.User}
	for _, j := range cp.Jobs {
		js := JobSpec{Name: j.Name, Stage: j.Stage, Status: j.Status, AllowFailure: j.AllowFailure, Reports: j.Reports,
			Duration: time.Duration(j.DurationSecs * float64(time.Second))}
		if len(j.Artifacts)+len(j.Artifacts64) > 0 {
			js.Artifacts = map[string][]byte{}
		}
		for p, c := range j.Artifacts {
			js.Artifacts[p] = []byte(c)
		}
		for p, c := range j.Artifacts64 {
			b, err := base64.StdEncoding.DecodeString(c)
			if err != nil {
				return nil, fmt.Errorf("decode artifact %s: %w", p, err)
			}
			js.Artifacts[p] = b
		}
		spec.Jobs = append(spec.Jobs, js)
	}
	pl, jobs := s.FinishPipeline(id, spec)
	return map[string]any{"pipeline": pl, "jobs": jobs}, nil
}

// controlIssueAction reads a project, an iid and {As, Body} and calls fn.
func (s *Server) controlIssueAction(fn func(user string, pid, iid int, body string)) func(http.ResponseWriter, *http.Request) (any, error) {
	return func(w http.ResponseWriter, r *http.Request) (any, error) {
		id, err := s.controlProject(r)
		if err != nil {
			return nil, err
		}
		iid, err := strconv.Atoi(r.PathValue("iid"))
		if err != nil {
			return nil, fmt.Errorf("bad iid %q", r.PathValue("iid"))
		}
		var in struct{ As, Body string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			return nil, fmt.Errorf("decode request: %w", err)
		}
		fn(in.As, id, iid, in.Body)
		return map[string]bool{"ok": true}, nil
	}
}

// controlFault sets a route's fault.
func (s *Server) controlFault(w http.ResponseWriter, r *http.Request) (any, error) {
	var in struct {
		Route             string  `json:"route"`
		ErrorRate         float64 `json:"error_rate"`
		LatencyMS         int     `json:"latency_ms"`
		RateLimited       int     `json:"rate_limited"`
		RetryAfterSeconds int     `json:"retry_after_seconds"`
		DropRate          float64 `json:"drop_rate"`
		LoseRate          float64 `json:"lose_rate"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		return nil, fmt.Errorf("decode fault: %w", err)
	}
	s.SetFault(in.Route, Fault{ErrorRate: in.ErrorRate, Latency: time.Duration(in.LatencyMS) * time.Millisecond,
		RateLimited: in.RateLimited, RetryAfter: time.Duration(in.RetryAfterSeconds) * time.Second, DropRate: in.DropRate, LoseRate: in.LoseRate})
	return map[string]bool{"ok": true}, nil
}

func (s *Server) controlProject(r *http.Request) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.lookupProject(r.PathValue("id"))
	if p == nil {
		return 0, fmt.Errorf("no project %q", r.PathValue("id"))
	}
	return p.ID, nil
}
