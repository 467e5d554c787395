package bot

import (
	"context"
	"database/sql"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/inbox"
	"gitlab.com/vigil-vm/vigil/bot/webhook"
)

// dispatchBatch bounds the deliveries moved in one transaction.
const dispatchBatch = 500

// dispatch moves the deliveries waiting in the inbox into the ledger and the
// queue, a batch per transaction, until a batch is not full: then none
// waited that this replica could claim (a delivery stored meanwhile wakes
// the dispatcher again), and no empty transaction is spent to learn it,
// one per wake at webhook rates. A crash between the
// ledger's commit and the inbox's is harmless: the ledger records a key once
// and only a newly recorded delivery gets a job. A shared inbox (PostgreSQL)
// is emptied in the ledger's transaction itself, each replica claiming rows
// the others do not hold.
func (s *Service) dispatch(ctx context.Context) error {
	for {
		n, err := s.dispatchBatch(ctx)
		if err != nil || n < dispatchBatch {
			return err
		}
	}
}

// dispatchBatch moves one batch and returns its size.
func (s *Service) dispatchBatch(ctx context.Context) (int, error) {
	var ds []webhook.Delivery
	var err error
	if !s.inbox.Shared() {
		if ds, err = s.inbox.Pending(ctx, nil, dispatchBatch); err != nil || len(ds) == 0 {
			return 0, err
		}
	}
	var keys []string
	err = s.ledger.Tx(ctx, func(tx *sql.Tx) error {
		if s.inbox.Shared() {
			if ds, err = s.inbox.Pending(ctx, tx, dispatchBatch); err != nil || len(ds) == 0 {
				return err
			}
		}
		keys = make([]string, len(ds))
		var fresh []string
		for i, d := range ds {
			keys[i] = d.Key
			stored, err := s.ledger.InsertDelivery(ctx, tx, d)
			if err != nil {
				return err
			}
			if stored {
				fresh = append(fresh, d.Key)
			} else {
				s.log.Info("delivery recorded before; not queued again", "event", d.Event, "key", d.Key)
			}
		}
		if err := s.queue.EnqueueDeliveries(ctx, tx, fresh...); err != nil {
			return err
		}
		if s.inbox.Shared() {
			return s.inbox.Moved(ctx, tx, keys, time.Now())
		}
		return nil
	})
	if err != nil || s.inbox.Shared() {
		return len(keys), err
	}
	return len(keys), s.inbox.Moved(ctx, nil, keys, time.Now())
}

// dispatchGap is the least time between two dispatches. At webhook rates
// deliveries arrive milliseconds apart, and a transaction each costs the
// replica and the database several round trips per delivery; gathered for
// a moment they share one. A delivery waits at most this long more for its
// job, far less than the queue's poll interval.
const dispatchGap = 20 * time.Millisecond

// runDispatcher dispatches whenever the receiver stores a delivery (at most
// once per dispatchGap), retries every second after an error, and prunes
// the inbox and old delivery bodies hourly, until ctx ends.
func (s *Service) runDispatcher(ctx context.Context) {
	retry := time.NewTicker(time.Second)
	defer retry.Stop()
	var pruned time.Time
	for {
		started := time.Now()
		if err := s.dispatch(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("move webhook deliveries to the queue; will retry", "err", err)
		}
		if time.Since(pruned) > time.Hour {
			pruned = time.Now()
			if _, err := s.inbox.Prune(ctx, pruned.Add(-inbox.Keep)); err != nil && ctx.Err() == nil {
				s.log.Warn("prune webhook inbox", "err", err)
			}
			if s.cfg.DeliveryRetention > 0 {
				if _, err := s.ledger.PruneDeliveries(ctx, s.now().Add(-s.cfg.DeliveryRetention)); err != nil && ctx.Err() == nil {
					s.log.Warn("prune delivery bodies", "err", err)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-s.inbox.Wake():
		case <-retry.C:
		}
		if !sleep(ctx, dispatchGap-time.Since(started)) {
			return
		}
	}
}

// sleep waits for d, or until ctx ends; it reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
