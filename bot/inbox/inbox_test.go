package inbox

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
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

func TestInboxKeepsDeliveriesUntilMovedAndAnswersDuplicates(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bot.inbox.db")
	b, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)
	for i, key := range []string{"a", "b", "a", "c"} {
		stored, err := b.Accept(ctx, ledger.Delivery{Key: key, Event: "Job Hook", Body: []byte(`{"n":` + key + `}`), Received: at.Add(time.Duration(i) * time.Second)})
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
	if b, err = Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got, err := b.Pending(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Key != "a" || got[1].Key != "b" || string(got[0].Body) != `{"n":a}` || !got[0].Received.Equal(at) {
		t.Fatalf("pending = %+v", got)
	}

	moved := at.Add(time.Hour)
	if err := b.Moved(ctx, []string{"a", "b"}, moved); err != nil {
		t.Fatal(err)
	}
	if n, _ := b.Count(ctx); n != 1 {
		t.Errorf("count after moving 2 of 3 = %d", n)
	}
	if stored, _ := b.Accept(ctx, ledger.Delivery{Key: "a", Event: "Job Hook", Body: []byte(`{}`), Received: moved}); stored {
		t.Error("a moved delivery, redelivered, was stored again")
	}

	// Pruning forgets moved deliveries only.
	if n, err := b.Prune(ctx, moved.Add(time.Nanosecond)); err != nil || n != 2 {
		t.Errorf("pruned %d (%v), want 2", n, err)
	}
	if rest, _ := b.Pending(ctx, 10); len(rest) != 1 || rest[0].Key != "c" {
		t.Errorf("pending after prune = %+v", rest)
	}
	if stored, _ := b.Accept(ctx, ledger.Delivery{Key: "a", Event: "Job Hook", Body: []byte(`{}`), Received: moved}); !stored {
		t.Error("a pruned key was refused")
	}
}
