package gitlabdouble

import (
	"bytes"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzReadParams feeds arbitrary request bodies and queries to the parameter
// parser every endpoint uses; it must never panic.
func FuzzReadParams(f *testing.F) {
	f.Add("application/json", `{"labels":"a,b","assignee_ids":[1,2],"confidential":true,"due_date":null}`, "iids[]=1&iids[]=2")
	f.Add("application/x-www-form-urlencoded", "title=x&labels=a%2Cb", "")
	f.Add("application/json", `[1,2]`, "per_page=abc")
	f.Fuzz(func(t *testing.T, ct, body, query string) {
		r := httptest.NewRequest("POST", "/api/v4/projects/1/issues", bytes.NewReader([]byte(body)))
		r.URL.RawQuery = query
		r.Header.Set("Content-Type", ct)
		p, err := readParams(r)
		if err != nil {
			return
		}
		for _, name := range []string{"labels", "assignee_ids", "iids", "title", "due_date", "confidential"} {
			p.list(name)
			p.str(name)
			_, _, _ = p.ints(name)
			_, _, _ = p.boolean(name)
			_, _, _, _ = p.date(name)
		}
	})
}

// FuzzClosesIssues checks the closing-pattern reader on arbitrary
// descriptions: it never panics and only returns references present in the text.
func FuzzClosesIssues(f *testing.F) {
	f.Add("Closes #1, #2 and #3")
	f.Add("fixes issue #12\nresolved #4")
	f.Fuzz(func(t *testing.T, text string) {
		for _, n := range closesIssues(text) {
			if n < 0 || !strings.Contains(text, "#") {
				t.Fatalf("closesIssues(%q) returned %d", text, n)
			}
		}
	})
}

// FuzzParseSeed makes sure malformed seed files are errors, not panics.
func FuzzParseSeed(f *testing.F) {
	f.Add("users:\n  - username: a\n    access: developer\nprojects:\n  - path: g/app\n    files: {a: b}\n")
	f.Add("projects: [1, 2]")
	f.Fuzz(func(t *testing.T, doc string) {
		_, _ = ParseSeed(strings.NewReader(doc))
	})
}
