package postgrestest

import (
	"context"
	"testing"
)

func TestEachTestGetsItsOwnDatabase(t *testing.T) {
	a, ua := Open(t)
	b, ub := Open(t)
	if ua == ub {
		t.Fatalf("two tests got the same database %s", ua)
	}
	ctx := context.Background()
	if _, err := a.ExecContext(ctx, `CREATE TABLE t (x TEXT)`); err != nil {
		t.Fatal(err)
	}
	// The table made in one database is not in the other.
	if _, err := b.ExecContext(ctx, `SELECT x FROM t`); err == nil {
		t.Error("a table created in one test database shows in another")
	}
}
