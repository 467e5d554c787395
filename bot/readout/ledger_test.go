package readout

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/internal/postgres"
	"gitlab.com/vigil-vm/vigil/internal/postgrestest"
	"gitlab.com/vigil-vm/vigil/internal/sqlite"
)

// testLedger is an empty ledger: a SQLite file, or a PostgreSQL database
// under VIGIL_TEST_DATABASE=postgres (as .ci/test runs the ledger's users).
func testLedger(t testing.TB) *ledger.Ledger {
	t.Helper()
	ctx := context.Background()
	if os.Getenv("VIGIL_TEST_DATABASE") == "postgres" {
		db, err := postgres.Open(ctx, postgrestest.URL(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		l, err := ledger.Open(ctx, db, ledger.Postgres)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "vigil.db"), sqlite.Service())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	l, err := ledger.Open(ctx, db, ledger.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
