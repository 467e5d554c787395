package bot

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/readout"
	"gitlab.com/vigil-vm/vigil/internal/browsertest"
	"gitlab.com/vigil-vm/vigil/internal/sqlite"
)

// The HTML read-out of a scripted month, opened in Chromium: the charts
// are drawn, the headline says what the script did. (The README's picture
// is the demo's month: internal/demo's TestDemoMonth.)
func TestReadoutReportInBrowser(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "vigil.db"), sqlite.Service())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l, err := ledger.Open(ctx, db, ledger.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	nov := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	script := scriptHistory(t, l, nov)
	ro, err := readout.FromLedger(ctx, l, readout.Options{Since: nov, Until: nov.AddDate(0, 1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	if err := readout.RenderHTML(&page, ro); err != nil {
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
	open := countOpen(script, nov.AddDate(0, 1, 0), func(scriptedFinding) bool { return true })
	if got := b.Text("#open"); got != strconv.Itoa(open) {
		t.Errorf("open = %q, want %d", got, open)
	}
	png := b.Screenshot()
	if !bytes.HasPrefix(png, []byte("\x89PNG")) || len(png) < 20_000 {
		t.Fatalf("screenshot: %d bytes, not a PNG of a page", len(png))
	}
}
