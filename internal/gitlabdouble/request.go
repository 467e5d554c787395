package gitlabdouble

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// request is one API call being served: the authenticated user, the merged
// parameters and a writer that remembers the status for Calls.
type request struct {
	s      *Server
	w      *statusWriter
	r      *http.Request
	user   *userState
	params params
}

func (r *request) json(status int, v any) { writeJSON(r.w, status, v) }

// fail writes GitLab's usual error body, {"message": msg}.
func (r *request) fail(status int, msg string) { r.json(status, map[string]string{"message": msg}) }

// missing writes the body GitLab's parameter validation uses for a required
// parameter that was not sent.
func (r *request) missing(name string) {
	r.json(http.StatusBadRequest, map[string]string{"error": name + " is missing"})
}

// invalid writes the body GitLab's parameter validation uses for a malformed value.
func (r *request) invalid(name string) {
	r.json(http.StatusBadRequest, map[string]string{"error": name + " is invalid"})
}

// notFound writes GitLab's 404 body: "404 Project Not Found", or "404 Not
// found" when no resource name is given.
// Length limits GitLab's models validate.
const (
	maxTitle = 255
	maxText  = 1_000_000
)

// tooLong answers GitLab's validation error when value is longer than max
// characters and reports whether it did.
func (r *request) tooLong(field, value string, max int) bool {
	if utf8.RuneCountInString(value) <= max {
		return false
	}
	r.json(http.StatusBadRequest, map[string]any{"message": map[string][]string{
		field: {fmt.Sprintf("is too long (maximum is %d characters)", max)},
	}})
	return true
}

func (r *request) notFound(what string) {
	if what == "" {
		r.fail(http.StatusNotFound, "404 Not found")
		return
	}
	r.fail(http.StatusNotFound, "404 "+what+" Not Found")
}

func (r *request) forbidden() { r.fail(http.StatusForbidden, "403 Forbidden") }

// intPath reads a numeric path segment, answering 404 when it is not a number
// (GitLab's routes only match digits there).
func (r *request) intPath(name, what string) (int, bool) {
	n, err := strconv.Atoi(r.r.PathValue(name))
	if err != nil || n <= 0 {
		r.notFound(what)
		return 0, false
	}
	return n, true
}

type statusWriter struct {
	http.ResponseWriter
	status int
	// hangUp closes the connection once the call is recorded, so a client
	// that sees the connection drop finds the call in Calls.
	hangUp bool
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// params merges the query string with a JSON or form body, as GitLab's Grape
// API does: client-go sends GET options in the query and writes as JSON.
type params struct {
	query url.Values
	body  map[string]json.RawMessage
}

func readParams(r *http.Request) (params, error) {
	p := params{query: r.URL.Query(), body: map[string]json.RawMessage{}}
	if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
		return p, nil
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return p, nil // the handler reads its files (uploads.go)
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		return p, fmt.Errorf("read request body: %w", err)
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return p, nil
	}
	ct := r.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		form, err := url.ParseQuery(string(raw))
		if err != nil {
			return p, fmt.Errorf("parse form body: %w", err)
		}
		for k, vs := range form {
			p.query[k] = append(p.query[k], vs...)
		}
		return p, nil
	}
	if err := json.Unmarshal(raw, &p.body); err != nil {
		return p, fmt.Errorf("parse JSON body: %w", err)
	}
	return p, nil
}

// has reports whether name was sent at all, even as null.
func (p params) has(name string) bool {
	if _, ok := p.body[name]; ok {
		return true
	}
	if _, ok := p.query[name]; ok {
		return true
	}
	_, ok := p.query[name+"[]"]
	return ok
}

// isNull reports whether name was sent as JSON null or as an empty string.
func (p params) isNull(name string) bool {
	if raw, ok := p.body[name]; ok {
		return string(raw) == "null" || string(raw) == `""`
	}
	vs, ok := p.query[name]
	return ok && len(vs) > 0 && vs[0] == ""
}

// str returns the parameter as a string; JSON numbers and booleans are
// converted, as Grape coerces them.
func (p params) str(name string) (string, bool) {
	if raw, ok := p.body[name]; ok {
		if string(raw) == "null" {
			return "", false
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s, true
		}
		return string(raw), true
	}
	if vs, ok := p.query[name]; ok && len(vs) > 0 {
		return vs[0], true
	}
	return "", false
}

func (p params) get(name string) string { v, _ := p.str(name); return v }

// boolean parses true/false/1/0; ok is false when absent, err when malformed.
func (p params) boolean(name string) (v, ok bool, err error) {
	s, ok := p.str(name)
	if !ok {
		return false, false, nil
	}
	switch strings.ToLower(s) {
	case "true", "1", "yes", "t":
		return true, true, nil
	case "false", "0", "no", "f":
		return false, true, nil
	}
	return false, true, fmt.Errorf("%s is invalid", name)
}

func (p params) integer(name string) (int, bool, error) {
	s, ok := p.str(name)
	if !ok || s == "" {
		return 0, false, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, true, fmt.Errorf("%s is invalid", name)
	}
	return n, true, nil
}

// list reads an array parameter sent as a JSON array, a comma-separated
// string, or repeated name[] query keys.
func (p params) list(name string) ([]string, bool) {
	if raw, ok := p.body[name]; ok {
		if string(raw) == "null" {
			return nil, true
		}
		var arr []json.RawMessage
		if json.Unmarshal(raw, &arr) == nil {
			out := make([]string, 0, len(arr))
			for _, el := range arr {
				var s string
				if json.Unmarshal(el, &s) != nil {
					s = string(el)
				}
				out = append(out, s)
			}
			return splitList(out), true
		}
		s, _ := p.str(name)
		return splitList([]string{s}), true
	}
	if vs, ok := p.query[name+"[]"]; ok {
		return splitList(vs), true
	}
	if vs, ok := p.query[name]; ok {
		return splitList(vs), true
	}
	return nil, false
}

func splitList(vs []string) []string {
	out := []string{}
	for _, v := range vs {
		for part := range strings.SplitSeq(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

func (p params) ints(name string) ([]int, bool, error) {
	vs, ok := p.list(name)
	if !ok {
		return nil, false, nil
	}
	out := make([]int, 0, len(vs))
	for _, v := range vs {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, true, fmt.Errorf("%s is invalid", name)
		}
		out = append(out, n)
	}
	return out, true, nil
}

// date parses a YYYY-MM-DD parameter; clear is true when it was sent empty or null.
func (p params) date(name string) (d *Date, clear, ok bool, err error) {
	if !p.has(name) {
		return nil, false, false, nil
	}
	if p.isNull(name) {
		return nil, true, true, nil
	}
	s, _ := p.str(name)
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil, false, true, fmt.Errorf("%s is invalid", name)
	}
	dd := Date(t)
	return &dd, false, true, nil
}

// Date is a calendar day, serialized as GitLab does: "2026-01-31".
type Date time.Time

// MarshalJSON writes the date as YYYY-MM-DD.
func (d Date) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(d).Format(time.DateOnly) + `"`), nil
}

// UnmarshalJSON reads a YYYY-MM-DD date.
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("parse date: %w", err)
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return fmt.Errorf("parse date: %w", err)
	}
	*d = Date(t)
	return nil
}

// String formats the date as YYYY-MM-DD.
func (d Date) String() string { return time.Time(d).Format(time.DateOnly) }
