package bot

import (
	"context"
	"database/sql"
	"net/url"

	"gitlab.com/vigil-vm/vigil/bot/inbox"
	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/internal/postgres"
	"gitlab.com/vigil-vm/vigil/internal/sqlite"
)

// openData opens where the bot keeps its state: the PostgreSQL database
// cfg.Database names (ledger, queue and inbox in one, shared by replicas;
// the inbox with a pool of its own for the receiver), or else the SQLite
// file cfg.Data with the inbox in a file beside it.
func openData(ctx context.Context, cfg *Config) (*sql.DB, *inbox.Inbox, ledger.Dialect, error) {
	if cfg.Database != "" {
		db, err := postgres.Open(ctx, cfg.Database)
		if err != nil {
			return nil, nil, 0, err
		}
		// A worker holds a session for its project's lock and needs another
		// for its work: the pool must outgrow the workers or they starve.
		db.SetMaxOpenConns(max(postgres.MaxOpenConns, 2*cfg.Workers+16))
		in, err := inbox.OpenPostgresPool(ctx, cfg.Database, inbox.ReceiverConns)
		if err != nil {
			db.Close()
			return nil, nil, 0, err
		}
		return db, in, ledger.Postgres, nil
	}
	db, err := sqlite.Open(cfg.Data, sqlite.Service())
	if err != nil {
		return nil, nil, 0, err
	}
	in, err := inbox.Open(ctx, inbox.Path(cfg.Data))
	if err != nil {
		db.Close()
		return nil, nil, 0, err
	}
	return db, in, ledger.SQLite, nil
}

// Where names the bot's state for logs: the SQLite file, or the database
// URL without its password.
func (c *Config) Where() string {
	if c.Database == "" {
		return c.Data
	}
	u, err := url.Parse(c.Database)
	if err != nil {
		return "postgres"
	}
	return postgres.Redact(u)
}
