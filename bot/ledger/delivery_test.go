package ledger

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/webhook"
)

func TestPruneDeliveriesKeepsKeys(t *testing.T) {
	ctx := context.Background()
	l := open(t, filepath.Join(t.TempDir(), "vigil.db"))
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, d := range []struct {
		key, status string
		finished    time.Time
	}{
		{"old-processed", DeliveryProcessed, now.Add(-31 * 24 * time.Hour)},
		{"old-failed", DeliveryFailed, now.Add(-40 * 24 * time.Hour)},
		{"recent", DeliveryProcessed, now.Add(-29 * 24 * time.Hour)},
		{"old-queued", "", time.Time{}},
	} {
		if _, err := l.InsertDelivery(ctx, l.DB(), webhook.Delivery{Key: d.key, Event: "Job Hook", Body: []byte(`{"big":1}`), Received: now.Add(-50 * 24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if d.status != "" {
			if err := l.FinishDelivery(ctx, d.key, d.status, "", d.finished); err != nil {
				t.Fatal(err)
			}
		}
	}
	n, err := l.PruneDeliveries(ctx, now.Add(-DefaultDeliveryRetention))
	if err != nil || n != 2 {
		t.Fatalf("pruned %d, %v; want 2", n, err)
	}
	for key, want := range map[string]string{"old-processed": "", "old-failed": "", "recent": `{"big":1}`, "old-queued": `{"big":1}`} {
		d, err := l.Delivery(ctx, key)
		if err != nil || string(d.Body) != want {
			t.Errorf("%s: body %q, %v; want %q", key, d.Body, err, want)
		}
	}
	// The key is kept: the same delivery again is still a duplicate.
	if stored, err := l.InsertDelivery(ctx, l.DB(), webhook.Delivery{Key: "old-processed", Event: "Job Hook", Body: []byte(`{}`), Received: now}); err != nil || stored {
		t.Errorf("redelivery of a pruned delivery stored = %v, %v", stored, err)
	}
}
