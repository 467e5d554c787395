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
	// Listing and CacheDir are for the online DB (Dir ""): grype's listing
	// and where the DB is kept, grype's own when "".
	Listing  string
	CacheDir string
}

// DefaultDB is DB before environment and flags: grype's online database.
func DefaultDB() DB { return DB{MaxAge: vulndb.DefaultMaxAge} }

// The online DB's settings take grype's own variables too: vigil shares
// grype's cache, and a team pointing grype at a mirror points vigil there.
var dbEnv = []EnvBinding{
	{"db", []string{"VIGIL_DB_DIR"}},
	{"db-listing", []string{"VIGIL_DB_LISTING", "GRYPE_DB_UPDATE_URL"}},
	{"db-cache-dir", []string{"VIGIL_DB_CACHE_DIR", "GRYPE_DB_CACHE_DIR"}},
}

// Env lists the environment variables that stand in for DB's flags.
func (d *DB) Env() []EnvBinding { return dbEnv }

// AddFlags registers DB's flags.
func (d *DB) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&d.Dir, "db", d.Dir, envHelp("local vulnerability DB directory (from vigil db build or vigil db mirror); never updated over the network. Default: grype's DB, updated online", "VIGIL_DB_DIR"))
	fs.DurationVar(&d.MaxAge, "db-max-age", d.MaxAge, "refuse a DB built longer ago than this")
	fs.BoolVar(&d.AllowStale, "db-allow-stale", d.AllowStale, "scan with a DB older than --db-max-age")
	fs.StringVar(&d.Listing, "db-listing", d.Listing, envHelp("grype DB listing (latest.json) the online DB is updated from, when --db is not given. Default: grype's", "VIGIL_DB_LISTING", "GRYPE_DB_UPDATE_URL"))
	fs.StringVar(&d.CacheDir, "db-cache-dir", d.CacheDir, envHelp("where the online DB is kept, when --db is not given. Default: grype's cache (~/.cache/grype/db)", "VIGIL_DB_CACHE_DIR", "GRYPE_DB_CACHE_DIR"))
}

// OpenOptions is the part of DB the vulndb package takes.
func (d *DB) OpenOptions() vulndb.OpenOptions {
	return vulndb.OpenOptions{Dir: d.Dir, MaxAge: d.MaxAge, AllowStale: d.AllowStale, Listing: d.Listing, CacheDir: d.CacheDir}
}
