package browsertest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// The kit drives a real page: a status, a script's result, a form that
// posts and a screenshot that is a PNG.
func TestBrowserDrivesAPage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			fmt.Fprint(w, `<html><body><svg width="100" height="50"><rect width="40" height="20"/><rect width="10" height="20"/></svg>
<form method="post" action="/echo"><input name="q"></form></body></html>`)
		case "/echo":
			r.ParseForm()
			fmt.Fprintf(w, `<html><body><p id="out">got %s</p></body></html>`, r.PostForm.Get("q"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	b := New(t)
	if got := b.Navigate(srv.URL + "/missing"); got != http.StatusNotFound {
		t.Errorf("status of a missing page = %d, want 404", got)
	}
	if got := b.Navigate(srv.URL + "/"); got != http.StatusOK {
		t.Fatalf("status = %d", got)
	}
	if n := b.Count("svg rect"); n != 2 {
		t.Errorf("rects = %d, want 2", n)
	}
	if w := Evaluate[float64](b, `document.querySelector("svg").getBoundingClientRect().width`); w != 100 {
		t.Errorf("svg width = %v, want 100", w)
	}
	b.Submit(`input[name="q"]`, "hello")
	if got := b.Text("#out"); got != "got hello" {
		t.Errorf("after submit: %q", got)
	}
	b.Navigate(srv.URL + "/")
	b.Follow(`document.querySelector("input").value = "again"; document.querySelector("form").submit()`)
	if got := b.Text("#out"); got != "got again" || !strings.HasSuffix(b.Location(), "/echo") {
		t.Errorf("after a scripted submit: %q at %s", got, b.Location())
	}
	if png := b.Screenshot(); !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("screenshot is not a PNG: % x", png[:min(8, len(png))])
	}
}

// A test's browser leaves nothing in the temporary directory once the test
// is over (a killed Chromium leaves its singleton socket directory there,
// one per browser test, for every run of the suite).
func TestBrowserLeavesNoTemporaryFiles(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Run("browse", func(t *testing.T) { New(t) })
	left, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		t.Errorf("left in the temporary directory: %s", e.Name())
	}
}
