package inbox

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/webhook"
	"gitlab.com/vigil-vm/vigil/internal/postgrestest"
)

func TestPath(t *testing.T) {
	for in, want := range map[string]string{
		"/var/lib/vigil/bot.db": "/var/lib/vigil/bot.inbox.db",
		"vigil-bot.db":          "vigil-bot.inbox.db",
		"data":                  "data.inbox",
	} {
		if got := Path(in); got != want {
			t.Errorf("Path(%q) = %q, want %q", in, got, want)
		}
	}
}

// opener opens the same inbox again each time it is called.
type opener func(t *testing.T) (*Inbox, error)

func dialects(t *testing.T) map[string]opener {
	path := filepath.Join(t.TempDir(), "bot.inbox.db")
	var pg *sql.DB
	return map[string]opener{
		"sqlite": func(t *testing.T) (*Inbox, error) { return Open(context.Background(), path) },
		"postgres": func(t *testing.T) (*Inbox, error) {
			if pg == nil {
				pg, _ = postgrestest.Open(t)
			}
			return OpenPostgres(context.Background(), pg)
		},
	}
}

func TestInboxKeepsDeliveriesUntilMovedAndAnswersDuplicates(t *testing.T) {
	for name, open := range dialects(t) {
		t.Run(name, func(t *testing.T) { testInbox(t, open) })
	}
}

func testInbox(t *testing.T, open opener) {
	ctx := context.Background()
	b, err := open(t)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	for i, key := range []string{"a", "b", "a", "c"} {
		stored, err := b.Accept(ctx, webhook.Delivery{Key: key, Event: "Job Hook", Body: []byte(`{"n":` + key + `}`), Received: at.Add(time.Duration(i) * time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		if want := i != 2; stored != want {
			t.Errorf("delivery %d (%s): stored = %v, want %v", i, key, stored, want)
		}
	}
	select {
	case <-b.Wake():
	default:
		t.Error("no wake-up after a stored delivery")
	}

	// Deliveries survive closing the file, oldest first.
	b.Close()
	if b, err = open(t); err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got, err := b.Pending(ctx, nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Key != "a" || got[1].Key != "b" || string(got[0].Body) != `{"n":a}` || !got[0].Received.Equal(at) {
		t.Fatalf("pending = %+v", got)
	}

	moved := at.Add(time.Hour)
	if err := b.Moved(ctx, nil, []string{"a", "b"}, moved); err != nil {
		t.Fatal(err)
	}
	if n, _ := b.Count(ctx); n != 1 {
		t.Errorf("count after moving 2 of 3 = %d", n)
	}
	if stored, _ := b.Accept(ctx, webhook.Delivery{Key: "a", Event: "Job Hook", Body: []byte(`{}`), Received: moved}); stored {
		t.Error("a moved delivery, redelivered, was stored again")
	}

	// Pruning forgets moved deliveries only.
	if n, err := b.Prune(ctx, moved.Add(time.Nanosecond)); err != nil || n != 2 {
		t.Errorf("pruned %d (%v), want 2", n, err)
	}
	if rest, _ := b.Pending(ctx, nil, 10); len(rest) != 1 || rest[0].Key != "c" {
		t.Errorf("pending after prune = %+v", rest)
	}
	if stored, _ := b.Accept(ctx, webhook.Delivery{Key: "a", Event: "Job Hook", Body: []byte(`{}`), Received: moved}); !stored {
		t.Error("a pruned key was refused")
	}
}

func TestSharedInboxHandsEachDeliveryToOneTransaction(t *testing.T) {
	// Two replicas' dispatchers claim pending rows at once: neither sees
	// what the other holds, and together they see every row once.
	ctx := context.Background()
	db, _ := postgrestest.Open(t)
	b, err := OpenPostgres(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	for i := range 10 {
		if _, err := b.Accept(ctx, webhook.Delivery{Key: fmt.Sprint("k", i), Event: "Job Hook", Body: []byte(`{}`), Received: at}); err != nil {
			t.Fatal(err)
		}
	}
	tx1, _ := db.BeginTx(ctx, nil)
	defer tx1.Rollback()
	tx2, _ := db.BeginTx(ctx, nil)
	defer tx2.Rollback()
	first, err := b.Pending(ctx, tx1, 6)
	if err != nil {
		t.Fatal(err)
	}
	second, err := b.Pending(ctx, tx2, 6)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, d := range append(first, second...) {
		seen[d.Key]++
	}
	if len(first) != 6 || len(second) != 4 || len(seen) != 10 {
		t.Errorf("claimed %d and %d rows, %d distinct; want 6, 4, 10", len(first), len(second), len(seen))
	}
}

func TestOwnPoolAcksWhileTheLedgersPoolIsTaken(t *testing.T) {
	// Workers holding every connection of the ledger's pool must not hold
	// up an ack: the receiver's inbox has a pool of its own.
	ctx := context.Background()
	ledgerDB, url := postgrestest.Open(t)
	ledgerDB.SetMaxOpenConns(1)
	held, err := ledgerDB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	b, err := OpenPostgresPool(ctx, url, 2)
	if err != nil {
		t.Fatal(err)
	}
	actx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	d := webhook.Delivery{Key: "k", Event: "Job Hook", Body: []byte(`{}`), Received: time.Now()}
	if stored, err := b.Accept(actx, d); err != nil || !stored {
		t.Fatalf("accept with the ledger's pool taken = %v, %v", stored, err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Accept(ctx, d); err == nil {
		t.Error("the inbox still stores after Close: its pool was not closed")
	}
}
