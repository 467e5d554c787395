package options

import (
	"time"

	"github.com/spf13/pflag"

	"gitlab.com/vigil-vm/vigil/ci/vulndb"
)

// DB says which vulnerability database a scan reads.
type DB struct {
	Dir        string
	MaxAge     time.Duration
	AllowStale bool
}

// DefaultDB is DB before environment and flags: grype's online database.
func DefaultDB() DB { return DB{MaxAge: vulndb.DefaultMaxAge} }

var dbEnv = []EnvBinding{{"db", []string{"VIGIL_DB_DIR"}}}

// Env lists the environment variables that stand in for DB's flags.
func (d *DB) Env() []EnvBinding { return dbEnv }

// AddFlags registers DB's flags.
func (d *DB) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&d.Dir, "db", d.Dir, envHelp("local vulnerability DB directory (from vigil db build or vigil db mirror); never updated over the network. Default: grype's DB, updated online", "VIGIL_DB_DIR"))
	fs.DurationVar(&d.MaxAge, "db-max-age", d.MaxAge, "refuse a DB built longer ago than this")
	fs.BoolVar(&d.AllowStale, "db-allow-stale", d.AllowStale, "scan with a DB older than --db-max-age")
}

// OpenOptions is the part of DB the vulndb package takes.
func (d *DB) OpenOptions() vulndb.OpenOptions {
	return vulndb.OpenOptions{Dir: d.Dir, MaxAge: d.MaxAge, AllowStale: d.AllowStale}
}
