package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/postgres"
	"gitlab.com/vigil-vm/vigil/internal/postgrestest"
)

func TestLockExcludesOtherSessionsUntilReleased(t *testing.T) {
	ctx := context.Background()
	a, u := postgrestest.Open(t)
	b, err := postgres.Open(ctx, u) // another replica's pool
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	release, err := postgres.Lock(ctx, a, postgres.NamespaceProject, 42)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := postgres.Lock(short, b, postgres.NamespaceProject, 42); err == nil {
		t.Fatal("a second session took a held lock")
	}
	other, err := postgres.Lock(ctx, b, postgres.NamespaceProject, 43)
	if err != nil {
		t.Fatalf("another project's lock: %v", err)
	}
	other()
	release()
	got, err := postgres.Lock(ctx, b, postgres.NamespaceProject, 42)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	got()
}

func TestLockGoesWithTheSession(t *testing.T) {
	// A replica that dies loses its sessions: its locks are free.
	ctx := context.Background()
	a, u := postgrestest.Open(t)
	if _, err := postgres.Lock(ctx, a, postgres.NamespaceProject, 7); err != nil {
		t.Fatal(err)
	}
	b, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	// What a SIGKILL does to the holder's connection.
	if _, err := b.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = 7`); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	release, err := postgres.Lock(short, b, postgres.NamespaceProject, 7)
	if err != nil {
		t.Fatalf("the dead session's lock is still held: %v", err)
	}
	release()
}

func TestOpenNeverRepeatsThePassword(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := postgres.Open(ctx, "postgres://vigil:pg-s3cret@127.0.0.1:1/vigil?connect_timeout=1")
	if err == nil || strings.Contains(err.Error(), "pg-s3cret") {
		t.Errorf("err = %v", err)
	}
	if _, err := postgres.Open(ctx, "mysql://db/vigil"); err == nil || !strings.Contains(err.Error(), "postgres://") {
		t.Errorf("a mysql URL: %v", err)
	}
}

func TestTryLockDoesNotWait(t *testing.T) {
	ctx := context.Background()
	db, _ := postgrestest.Open(t)
	release, ok, err := postgres.TryLock(ctx, db, postgres.NamespaceAlive, 1)
	if err != nil || !ok {
		t.Fatalf("free lock: %v, %v", ok, err)
	}
	if _, ok, err := postgres.TryLock(ctx, db, postgres.NamespaceAlive, 1); err != nil || ok {
		t.Fatalf("held lock taken again by another session: %v, %v", ok, err)
	}
	release()
	again, ok, err := postgres.TryLock(ctx, db, postgres.NamespaceAlive, 1)
	if err != nil || !ok {
		t.Fatalf("released lock: %v, %v", ok, err)
	}
	again()
}
