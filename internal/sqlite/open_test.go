package sqlite

import (
	"path/filepath"
	"testing"
)

func TestServiceDSN(t *testing.T) {
	// The bot's files have always been opened with exactly this string; a
	// change here changes how every deployed ledger is opened.
	want := "file:/d/vigil.db?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	if got := DSN("/d/vigil.db", Service()); got != want {
		t.Errorf("DSN = %s, want %s", got, want)
	}
	if got := DSN("/d/x.db", Options{}); got != "file:/d/x.db" {
		t.Errorf("DSN of zero options = %s", got)
	}
}

func TestOpenAppliesSettings(t *testing.T) {
	for name, tc := range map[string]struct {
		o           Options
		journal     string
		busy, conns int
	}{
		"service":  {Service(), "wal", 10000, 1},
		"defaults": {Options{}, "delete", 5000, 0}, // the driver's own busy timeout
	} {
		t.Run(name, func(t *testing.T) {
			db, err := Open(filepath.Join(t.TempDir(), "x.db"), tc.o)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var journal string
			var busy int
			if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&journal); err != nil {
				t.Fatal(err)
			}
			if err := db.QueryRow(`PRAGMA busy_timeout`).Scan(&busy); err != nil {
				t.Fatal(err)
			}
			if journal != tc.journal || busy != tc.busy || db.Stats().MaxOpenConnections != tc.conns {
				t.Errorf("journal %s, busy %d, max conns %d; want %s, %d, %d", journal, busy, db.Stats().MaxOpenConnections, tc.journal, tc.busy, tc.conns)
			}
		})
	}
}

func TestOpenFails(t *testing.T) {
	// A directory that does not exist: the error comes from Open, not from
	// the first query.
	if _, err := Open(filepath.Join(t.TempDir(), "missing", "x.db"), Service()); err == nil {
		t.Error("Open in a missing directory: no error")
	}
}
