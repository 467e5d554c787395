package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Delivery statuses.
const (
	DeliveryQueued    = "queued"
	DeliveryProcessed = "processed"
	DeliveryFailed    = "failed"
)

// Delivery is one accepted webhook delivery.
type Delivery struct {
	Key         string
	Event       string
	Body        []byte
	Received    time.Time
	Status      string
	Error       string
	ProcessedAt time.Time
}

// InsertDelivery records a delivery inside q's transaction. It returns false,
// and changes nothing, when a delivery with the same key was recorded before.
func (l *Ledger) InsertDelivery(ctx context.Context, q Querier, d Delivery) (bool, error) {
	res, err := q.ExecContext(ctx, l.rebind(`INSERT INTO vigil_deliveries (dedup_key, event, body, received_at, status)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (dedup_key) DO NOTHING`),
		d.Key, d.Event, string(d.Body), formatTime(d.Received), DeliveryQueued)
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
func (l *Ledger) Delivery(ctx context.Context, key string) (Delivery, error) {
	var d Delivery
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
