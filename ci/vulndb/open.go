package vulndb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/anchore/clio"
	"github.com/anchore/grype/grype"
	v6dist "github.com/anchore/grype/grype/db/v6/distribution"
	v6inst "github.com/anchore/grype/grype/db/v6/installation"
	"github.com/anchore/grype/grype/vulnerability"
)

// DefaultMaxAge is grype's default: a DB built longer ago than this is stale.
const DefaultMaxAge = 120 * time.Hour

// OpenOptions chooses the database to match against.
type OpenOptions struct {
	// Dir is a local DB directory (Dir/6/vulnerability.db), used as it is and
	// never updated over the network. "" means grype's own cache directory
	// with grype's normal online update check.
	Dir string
	// MaxAge is how old the DB may be; 0 means DefaultMaxAge.
	MaxAge time.Duration
	// AllowStale opens a DB older than MaxAge anyway.
	AllowStale bool
	// Now is the clock the age is measured against; zero means time.Now().
	Now time.Time

	// The online DB (Dir ""): Listing is grype's listing (latest.json, or
	// the URL its v6/latest.json is under), "" for grype's own; CacheDir is
	// where it is kept, "" for grype's cache directory; CheckAlways checks
	// the listing on every Open, where grype checks at most every 2 hours
	// (monitoring asks when it wants to know).
	Listing     string
	CacheDir    string
	CheckAlways bool
}

// StaleError says a database is older than allowed.
type StaleError struct {
	Dir    string
	Built  time.Time
	Age    time.Duration
	MaxAge time.Duration
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("vulnerability database in %s was built %s (%s ago, more than %s): rebuild it with `vigil db build --out %s …` or pass --db-allow-stale",
		e.Dir, e.Built.Format(time.RFC3339), humanAge(e.Age), compactDuration(e.MaxAge), e.Dir)
}

// humanAge says "30 days" or "7h" rather than "719h59m59s".
func humanAge(d time.Duration) string {
	if d >= 47*time.Hour {
		return fmt.Sprintf("%d days", int((d+12*time.Hour)/(24*time.Hour)))
	}
	if d >= time.Hour {
		return fmt.Sprintf("%dh", int((d+30*time.Minute)/time.Hour))
	}
	return d.Round(time.Minute).String()
}

// compactDuration writes a duration as a flag would take it: "120h", "90m".
func compactDuration(d time.Duration) string {
	s := strings.TrimSuffix(d.String(), "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Open loads a vulnerability database for matching. The returned provider is
// also the io.Closer that releases the database. With Dir set nothing touches
// the network; a missing DB is a *NoDBError and a stale one a *StaleError.
func Open(ctx context.Context, o OpenOptions) (vulnerability.Provider, Status, error) {
	if err := ctx.Err(); err != nil {
		return nil, Status{}, err
	}
	maxAge := o.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	if o.Dir == "" {
		return openDefault(o, maxAge)
	}

	st, err := ReadStatus(o.Dir)
	if err != nil {
		var noDB *NoDBError
		if errors.As(err, &noDB) {
			return nil, Status{}, err
		}
		return nil, Status{}, fmt.Errorf("%w: rebuild it with `vigil db build --out %s …`", err, o.Dir)
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	if age := now.Sub(st.Built); age > maxAge && !o.AllowStale {
		return nil, Status{}, &StaleError{Dir: o.Dir, Built: st.Built, Age: age, MaxAge: maxAge}
	}

	// grype's own loader, with the update step off: it only reads the files.
	// Age is checked above against the caller's clock; the checksum in
	// import.json is still verified.
	dist := v6dist.DefaultConfig()
	dist.ID = grypeID()
	inst := v6inst.Config{
		DBRootDir:          o.Dir,
		ValidateAge:        false,
		ValidateChecksum:   true,
		MaxAllowedBuiltAge: maxAge,
	}
	vp, _, err := grype.LoadVulnerabilityDB(dist, inst, false)
	if err != nil {
		return nil, Status{}, fmt.Errorf("open vulnerability database in %s: %w (rebuild it with `vigil db build --out %s …`)", o.Dir, err, o.Dir)
	}
	return withPrefilter(vp, st.Path), st, nil
}

// openDefault is what the grype CLI does by default: its cache directory, an
// update check against grype's listing, and grype's age validation.
func openDefault(o OpenOptions, maxAge time.Duration) (vulnerability.Provider, Status, error) {
	id := grypeID()
	dist := v6dist.DefaultConfig()
	dist.ID = id
	if o.Listing != "" {
		dist.LatestURL = o.Listing
	}
	inst := v6inst.DefaultConfig(id)
	if o.CacheDir != "" {
		inst.DBRootDir = o.CacheDir
	}
	if o.CheckAlways {
		inst.UpdateCheckMaxFrequency = 0 // grype: no limit
	}
	inst.MaxAllowedBuiltAge = maxAge
	inst.ValidateAge = !o.AllowStale
	vp, ps, err := grype.LoadVulnerabilityDB(dist, inst, true)
	if err != nil {
		return nil, Status{}, fmt.Errorf("open grype's vulnerability database in %s: %w (check network access to %s, pass --db-allow-stale, or build a local one with `vigil db build` and pass --db)",
			inst.DBRootDir, err, dist.LatestURL)
	}
	st, err := readDBStatus(inst.DBFilePath())
	if err != nil {
		// the provider works; the status is informational
		st = Status{Path: ps.Path, Built: ps.Built, SchemaVersion: ps.SchemaVersion, Source: ps.From}
	}
	return withPrefilter(vp, inst.DBFilePath()), st, nil
}

// grypeID identifies as grype so the default cache directory is the grype
// CLI's own (~/.cache/grype/db) and both share one downloaded DB.
func grypeID() clio.Identification {
	return clio.Identification{Name: "grype", Version: "v0.121.2"}
}
