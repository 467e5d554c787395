package demo

import (
	"bytes"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"gitlab.com/vigil-vm/vigil/bot/readout"
	"gitlab.com/vigil-vm/vigil/internal/browsertest"
)

var updateScreenshot = flag.Bool("update", false, "rewrite docs/readout.png, the README's picture of the demo month's read-out")

// openReadout renders the read-out as `vigil report --format html` does and
// opens it in Chromium, served as a page that may load nothing from
// elsewhere: its four charts are drawn and its headline is the read-out's.
// It returns the page's screenshot.
func openReadout(t *testing.T, r *readout.Readout) []byte {
	t.Helper()
	var page bytes.Buffer
	if err := readout.RenderHTML(&page, r); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
		w.Write(page.Bytes())
	}))
	defer srv.Close()
	b := browsertest.New(t)
	if status := b.Navigate(srv.URL); status != http.StatusOK {
		t.Fatalf("read-out page: status %d", status)
	}
	charts := browsertest.Evaluate[[]int](b, `[...document.querySelectorAll(".charts svg")].map(s => s.querySelectorAll("path, rect").length)`)
	if len(charts) != 4 {
		t.Errorf("%d charts drawn, want 4", len(charts))
	}
	for i, marks := range charts {
		if marks == 0 {
			t.Errorf("chart %d has nothing drawn", i)
		}
	}
	if got := b.Text("#open"); got != strconv.Itoa(r.Headline.Open) {
		t.Errorf("page says %q open, the read-out %d", got, r.Headline.Open)
	}
	png := b.Screenshot()
	if !bytes.HasPrefix(png, []byte("\x89PNG")) || len(png) < 20_000 {
		t.Fatalf("screenshot: %d bytes, not a PNG of a page", len(png))
	}
	return png
}

// saveScreenshot keeps the picture with the test's output, and as the
// README's picture when asked (go test ./internal/demo -run TestDemoMonth -update).
func saveScreenshot(t *testing.T, png []byte) {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "readout.png")
	if *updateScreenshot {
		dst = filepath.Join("..", "..", "docs", "readout.png")
	}
	if err := os.WriteFile(dst, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the read-out: %s", dst)
}
