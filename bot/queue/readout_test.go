package queue

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/internal/sqlite"
)

// Asking for the read-out while one waits adds nothing; once it has run, a
// new request runs it again.
func TestReadoutJobOneAtATime(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "vigil.db"), sqlite.Service())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := ledger.Open(ctx, db, ledger.SQLite); err != nil {
		t.Fatal(err)
	}
	var runs atomic.Int32
	r := &recorder{attempts: map[string]int{}, at: map[string][]time.Time{}}
	q, err := New(ctx, db, r, Options{PollInterval: 20 * time.Millisecond, Readout: func(context.Context) error {
		runs.Add(1)
		return nil
	}}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := q.EnqueueReadout(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := q.Depth(ctx); err != nil || n != 1 {
		t.Fatalf("Depth after three requests = %d, %v; want 1", n, err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer q.Stop(context.Background())
	waitFor(t, "first read-out run", func() bool { n, _ := q.Depth(ctx); return runs.Load() == 1 && n == 0 })
	if err := q.EnqueueReadout(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "second read-out run", func() bool { return runs.Load() == 2 })
	time.Sleep(100 * time.Millisecond)
	if n := runs.Load(); n != 2 {
		t.Errorf("read-out ran %d times, want 2", n)
	}
}
