package sqlite

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	// glebarez/go-sqlite (pure Go, modernc underneath) is the "sqlite" driver
	// grype links too; registering modernc.org/sqlite as well would panic.
	_ "github.com/glebarez/go-sqlite"
)

// Options are the settings of one opened file; the zero value leaves the
// driver's defaults.
type Options struct {
	// BusyTimeout is how long a statement waits for another connection's
	// lock before failing; 0 leaves the driver's (5 s).
	BusyTimeout time.Duration
	// WAL selects the write-ahead log with synchronous=NORMAL, so readers
	// never block the writer and a commit costs no fsync of the main file.
	WAL bool
	// Immediate makes every transaction take the write lock when it begins,
	// so two writers wait for each other instead of failing to upgrade.
	Immediate bool
	// MaxOpenConns caps the pool; 0 leaves database/sql's default.
	MaxOpenConns int
}

// Service are the settings of the bot's own files (ledger, River's queue,
// the inbox): what River's SQLite driver needs, one connection, WAL and a
// busy timeout.
func Service() Options {
	return Options{BusyTimeout: 10 * time.Second, WAL: true, Immediate: true, MaxOpenConns: 1}
}

// Open opens (creating if needed) the SQLite file at path and checks that it
// can be used.
func Open(path string, o Options) (*sql.DB, error) {
	db, err := sql.Open("sqlite", DSN(path, o))
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if o.MaxOpenConns > 0 {
		db.SetMaxOpenConns(o.MaxOpenConns)
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return db, nil
}

// DSN is the driver's connection string for path under o.
func DSN(path string, o Options) string {
	var q []string
	if o.BusyTimeout > 0 {
		q = append(q, "_pragma=busy_timeout("+strconv.FormatInt(o.BusyTimeout.Milliseconds(), 10)+")")
	}
	if o.WAL {
		q = append(q, "_pragma=journal_mode(WAL)", "_pragma=synchronous(NORMAL)")
	}
	if o.Immediate {
		q = append(q, "_txlock=immediate")
	}
	if len(q) == 0 {
		return "file:" + path
	}
	return "file:" + path + "?" + strings.Join(q, "&")
}
