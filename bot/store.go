package bot

import (
	"context"
	"database/sql"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/queue"
)

// deliveryStore records a delivery and enqueues its job in one transaction.
type deliveryStore struct {
	ledger *ledger.Ledger
	queue  *queue.Queue
}

func (s deliveryStore) Accept(ctx context.Context, d ledger.Delivery) (bool, error) {
	var stored bool
	err := s.ledger.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		stored, err = s.ledger.InsertDelivery(ctx, tx, d)
		if err != nil || !stored {
			return err
		}
		return s.queue.EnqueueDelivery(ctx, tx, d.Key)
	})
	return stored, err
}
