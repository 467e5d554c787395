package demo

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"gitlab.com/vigil-vm/vigil/bot/readout"
	"gitlab.com/vigil-vm/vigil/internal/browsertest"
)

var updateScreenshot = flag.Bool("update", false, "rewrite docs/readout.png, the README's picture of the demo month's read-out")

// openReadout renders the read-out as `vigil report --format html` does and
// opens it in Chromium as a document that may load nothing from elsewhere:
// its four charts are drawn and its headline is the read-out's.
// It returns the page's screenshot.
func openReadout(t *testing.T, r *readout.Readout) []byte {
	t.Helper()
	var page bytes.Buffer
	if err := readout.RenderHTML(&page, r); err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t)
	b.OpenDocument(page.Bytes())
	charts := b.ChartMarks(".charts svg")
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
