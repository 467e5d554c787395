package demo

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/readout"
	"gitlab.com/vigil-vm/vigil/ci/scan"
	"gitlab.com/vigil-vm/vigil/internal/sqlite"
)

// The scripted month leaves a ledger whose read-out shows the month: the
// bot's own fixes, the exception, the merged patch and the deviation.
func TestDemoMonth(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the whole Go vulnerability database")
	}
	t.Parallel()
	root, _ := filepath.Abs("../..")
	var out bytes.Buffer
	o := Options{Root: root, WorkDir: t.TempDir(), Out: &out, Version: "test", Log: slog.New(slog.DiscardHandler), Month: true}
	progress := scan.NewProgress(&out, false, false)
	if err := Loop(context.Background(), o, scanned(t), progress); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	since, until := MonthPeriod(time.Now())
	if !strings.Contains(out.String(), "vigil report --data "+Ledger(o)+" --since "+since.Format(time.DateOnly)+" --until "+until.Format(time.DateOnly)) {
		t.Errorf("the demo does not say how to read its month:\n%s", out.String())
	}
	db, err := sqlite.Open(Ledger(o), sqlite.Service())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l, err := ledger.Open(context.Background(), db, ledger.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	r, err := readout.FromLedger(context.Background(), l, readout.Options{Since: since, Until: until})
	if err != nil {
		t.Fatal(err)
	}
	h := r.Headline
	// Day 9 and day 23 ship fixes for the report's first two packages.
	if h.New == 0 || h.Fixed == 0 || h.Open != h.New-h.Fixed || h.Compliance.Resolved != h.Fixed || h.MTTR.MedianDays < 9 {
		t.Errorf("headline = %+v", h)
	}
	if r.Exceptions.Active != 1 || r.Patches.Opened == 0 || r.Patches.Merged != 1 {
		t.Errorf("exceptions %+v, patches %+v", r.Exceptions, r.Patches)
	}
	var reopened bool
	for e, err := range l.Events(context.Background(), until) {
		if err != nil {
			t.Fatal(err)
		}
		reopened = reopened || (e.Kind == ledger.EventReopened && e.Detail == "process deviation")
	}
	if !reopened {
		t.Error("the issue closed while detected was not reopened in the history")
	}
	saveScreenshot(t, openReadout(t, r))
}
