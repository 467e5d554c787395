package postgrestest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/postgres"
)

// EnvURL names the server tests create their databases on.
const EnvURL = "VIGIL_TEST_POSTGRES_URL"

var (
	serverOnce sync.Once
	serverURL  string
	serverErr  error
	seq        atomic.Int64
)

// URL creates an empty database for t and returns its URL; the database is
// dropped when t ends. Without a server t is skipped, except under CI=true,
// where a missing PostgreSQL fails the test.
func URL(t testing.TB) string {
	t.Helper()
	base, err := server()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no PostgreSQL for the test: %v", err)
		}
		t.Skipf("no PostgreSQL for the test: %v", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s does not parse: %v", EnvURL, err)
	}
	name := fmt.Sprintf("vigil_test_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6, seq.Add(1))
	admin, err := postgres.Open(context.Background(), base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		admin.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// Open is URL opened with internal/postgres; the pool closes when t ends.
func Open(t testing.TB) (*sql.DB, string) {
	t.Helper()
	u := URL(t)
	db, err := postgres.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, u
}

// server is the URL of the server to create databases on: the
// environment's, or a cluster started once for this process.
func server() (string, error) {
	if u := os.Getenv(EnvURL); u != "" {
		return u, nil
	}
	serverOnce.Do(func() { serverURL, serverErr = startCluster() })
	return serverURL, serverErr
}
