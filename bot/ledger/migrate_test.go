package ledger

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// testdata/ledger-before-goose.db is a ledger written by vigil's own
// migration runner (migrations 001-014 recorded in vigil_migrations), with
// one finding. Opened now, goose takes its record over: nothing is applied
// again (a second CREATE TABLE would fail), the finding is kept, and the
// old table is gone.
func TestLedgerFromTheOldRunnerIsTakenOver(t *testing.T) {
	ctx := context.Background()
	old, err := os.ReadFile("testdata/ledger-before-goose.db")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "vigil-bot.db")
	if err := os.WriteFile(path, old, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VIGIL_TEST_DATABASE", "") // a SQLite file, on either pass
	l := open(t, path)
	f, err := l.Finding(ctx, l.DB(), "legacy-fp")
	if err != nil || f.ProjectPath != "g/legacy" {
		t.Fatalf("finding after the take-over: %+v, %v", f, err)
	}
	if exists, err := l.tableExists(ctx, legacyTable); err != nil || exists {
		t.Errorf("%s still there (%v)", legacyTable, err)
	}
	names, _ := migrationFS.ReadDir("migrations")
	var n int
	if err := l.DB().QueryRow(`SELECT COUNT(*) FROM ` + versionTable + ` WHERE version_id > 0`).Scan(&n); err != nil || n != len(names) {
		t.Errorf("%d migrations recorded (%v), want %d", n, err, len(names))
	}
	// And again: an adopted ledger opens as any other.
	l.DB().Close()
	l = open(t, path)
	if _, err := l.Finding(ctx, l.DB(), "legacy-fp"); err != nil {
		t.Fatal(err)
	}
}
