package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/readout"
	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/sqlite"
)

// vigil report reads the bot's ledger file and writes the read-out where
// it is told, in the format it is told.
func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "bot.db")
	db, err := sqlite.Open(data, sqlite.Service())
	if err != nil {
		t.Fatal(err)
	}
	l, err := ledger.Open(context.Background(), db, ledger.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }
	// One High finding detected Nov 2, due Dec 2, fixed Nov 12 (10 days, in
	// time); one Critical detected Nov 20, due Nov 25, open and past due at Dec 1.
	if err := l.RecordEvents(context.Background(),
		ledger.Event{At: day(2), Kind: ledger.EventDetected, Fingerprint: "a", Group: "ga", ProjectID: 1, ProjectPath: "acme/shop", Severity: findings.High},
		ledger.Event{At: day(2), Kind: ledger.EventIssueOpened, Group: "ga", ProjectID: 1, ProjectPath: "acme/shop", Due: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)},
		ledger.Event{At: day(12), Kind: ledger.EventResolved, Fingerprint: "a", Group: "ga", ProjectID: 1, ProjectPath: "acme/shop", Severity: findings.High},
		ledger.Event{At: day(20), Kind: ledger.EventDetected, Fingerprint: "b", Group: "gb", ProjectID: 1, ProjectPath: "acme/shop", Severity: findings.Critical},
		ledger.Event{At: day(20), Kind: ledger.EventIssueOpened, Group: "gb", ProjectID: 1, ProjectPath: "acme/shop", Due: day(25)},
	); err != nil {
		t.Fatal(err)
	}
	db.Close()

	out := filepath.Join(dir, "read-out.json")
	if code, _ := vigil(t, "report", "--data", data, "--since", "2026-11-01", "--until", "2026-12-01", "--format", "json", "-o", out); code != 0 {
		t.Fatalf("exit %d", code)
	}
	var r readout.Readout
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if h := r.Headline; h.New != 2 || h.Fixed != 1 || h.Open != 1 || h.PastDue != 1 || h.MTTR.MedianDays != 10 || h.Compliance.Ratio != 1 {
		t.Errorf("headline = %+v", h)
	}
	code, md := vigil(t, "report", "--data", data, "--since", "2026-11-01", "--until", "2026-12-01", "--format", "md", "--group", "acme")
	if code != 0 || !strings.Contains(md, "| 1 | 1 | 2 | 1 | 100.0% (1/1) | 10.0d | 10.0d | 0 (0) | 0/0 |") {
		t.Errorf("exit %d, markdown:\n%s", code, md)
	}
	if code, _ := vigil(t, "report", "--data", filepath.Join(dir, "missing.db")); code == 0 {
		t.Error("a missing ledger file was accepted")
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); err == nil {
		t.Error("a report created the ledger file it was pointed at")
	}
}
