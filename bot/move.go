package bot

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"gitlab.com/vigil-vm/vigil/bot/inbox"
	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/queue"
	"gitlab.com/vigil-vm/vigil/internal/postgres"
	"gitlab.com/vigil-vm/vigil/internal/sqlite"
)

// Moved is what MoveData copied.
type Moved struct {
	Tables []ledger.TableCount
	Inbox  int64 // deliveries acknowledged but not yet in the ledger
	Queued int   // deliveries recorded but not finished, queued again
}

// MoveData copies a stopped bot's SQLite file (and the pending deliveries of
// the inbox beside it) into the PostgreSQL database at url, in one
// transaction: the ledger table by table, the pending inbox, and a job for
// every delivery not yet finished. The destination must hold no ledger; a
// second run is refused and changes nothing.
func MoveData(ctx context.Context, from, url string, log *slog.Logger) (Moved, error) {
	var m Moved
	if _, err := os.Stat(from); err != nil {
		return m, fmt.Errorf("the SQLite file to copy from: %w", err)
	}
	srcDB, err := sqlite.Open(from, sqlite.Service())
	if err != nil {
		return m, err
	}
	defer srcDB.Close()
	src, err := ledger.Open(ctx, srcDB, ledger.SQLite)
	if err != nil {
		return m, err
	}
	dstDB, err := postgres.Open(ctx, url)
	if err != nil {
		return m, err
	}
	defer dstDB.Close()
	dst, err := ledger.Open(ctx, dstDB, ledger.Postgres)
	if err != nil {
		return m, err
	}
	dstInbox, err := inbox.OpenPostgres(ctx, dstDB)
	if err != nil {
		return m, err
	}
	q, err := queue.New(ctx, dstDB, idleHandler{}, queue.Options{Postgres: true}, log)
	if err != nil {
		return m, err
	}
	err = dst.Tx(ctx, func(tx *sql.Tx) error {
		if m.Tables, err = src.CopyTo(ctx, dst, tx); err != nil {
			return err
		}
		if m.Inbox, err = copyInbox(ctx, inbox.Path(from), dstInbox, tx); err != nil {
			return err
		}
		keys, err := dst.QueuedDeliveries(ctx, tx)
		if err != nil {
			return err
		}
		m.Queued = len(keys)
		return q.EnqueueDeliveries(ctx, tx, keys...)
	})
	return m, err
}

// copyInbox copies the pending deliveries of the inbox file at path, if
// there is one.
func copyInbox(ctx context.Context, path string, dst *inbox.Inbox, tx *sql.Tx) (int64, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	src, err := inbox.Open(ctx, path)
	if err != nil {
		return 0, err
	}
	defer src.Close()
	return src.CopyPending(ctx, dst, tx)
}

// idleHandler is the handler of a queue that only enqueues.
type idleHandler struct{}

func (idleHandler) HandleDelivery(context.Context, string) error {
	return errors.New("this queue only enqueues")
}
func (idleHandler) Sweep(context.Context) error { return errors.New("this queue only enqueues") }
