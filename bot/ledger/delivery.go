package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/webhook"
)

// Delivery statuses.
const (
	DeliveryQueued    = "queued"
	DeliveryProcessed = "processed"
	DeliveryFailed    = "failed"
)

// InsertDelivery records a delivery inside q's transaction. It returns false,
// and changes nothing, when a delivery with the same key was recorded before.
func (l *Ledger) InsertDelivery(ctx context.Context, q Querier, d webhook.Delivery) (bool, error) {
	res, err := q.ExecContext(ctx, l.rebind(`INSERT INTO vigil_deliveries (dedup_key, event, body, received_at, status)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (dedup_key) DO NOTHING`),
		d.Key, d.Event, l.text(string(d.Body)), formatTime(d.Received), DeliveryQueued)
	if err != nil {
		return false, fmt.Errorf("record delivery %s: %w", d.Key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("record delivery %s: %w", d.Key, err)
	}
	return n == 1, nil
}

// Delivery returns the delivery recorded under key.
func (l *Ledger) Delivery(ctx context.Context, key string) (webhook.Delivery, error) {
	var d webhook.Delivery
	var body, received, processed string
	err := l.db.QueryRowContext(ctx, l.rebind(`SELECT dedup_key, event, body, received_at, status, error, processed_at
		FROM vigil_deliveries WHERE dedup_key = ?`), key).
		Scan(&d.Key, &d.Event, &body, &received, &d.Status, &d.Error, &processed)
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("delivery %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("read delivery %s: %w", key, err)
	}
	d.Body, d.Received, d.ProcessedAt = []byte(body), parseTime(received), parseTime(processed)
	return d, nil
}

// FinishDelivery records the outcome of processing a delivery.
func (l *Ledger) FinishDelivery(ctx context.Context, key, status, reason string, at time.Time) error {
	_, err := l.db.ExecContext(ctx, l.rebind(`UPDATE vigil_deliveries SET status = ?, error = ?, processed_at = ? WHERE dedup_key = ?`),
		status, reason, formatTime(at), key)
	if err != nil {
		return fmt.Errorf("finish delivery %s: %w", key, err)
	}
	return nil
}

// DefaultDeliveryRetention is how long the body of a finished delivery is
// kept, for looking into what it did.
const DefaultDeliveryRetention = 30 * 24 * time.Hour

// PruneDeliveries empties the bodies of deliveries finished before cutoff
// and returns how many it emptied. Their keys stay, so a redelivery of an
// old delivery is still recognised and not processed again; a queued
// delivery keeps its body whatever its age.
func (l *Ledger) PruneDeliveries(ctx context.Context, cutoff time.Time) (int64, error) {
	// processed_at is RFC 3339 in UTC, whose first 19 characters compare
	// as the times do.
	res, err := l.db.ExecContext(ctx, l.rebind(`UPDATE vigil_deliveries SET body = '' WHERE status IN (?, ?)
		AND processed_at <> '' AND substr(processed_at, 1, 19) < ? AND body <> ''`),
		DeliveryProcessed, DeliveryFailed, cutoff.UTC().Format("2006-01-02T15:04:05"))
	if err != nil {
		return 0, fmt.Errorf("prune delivery bodies: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune delivery bodies: %w", err)
	}
	return n, nil
}
