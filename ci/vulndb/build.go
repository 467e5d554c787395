package vulndb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/afero"

	grypedb "github.com/anchore/grype/grype/db"
	v6 "github.com/anchore/grype/grype/db/v6"
)

// BuildConfig names the local vulnerability data a database is built from.
type BuildConfig struct {
	OSVDirs  []string // directories of OSV JSON records (e.g. golang.org/x/vulndb's data/osv), walked recursively
	OSDirs   []string // directories of vunnel "os" schema records (Debian/Alpine advisories)
	GHSADirs []string // directories of vunnel GitHub (GHSA) schema records carrying severity and CVSS
	KEVFile  string   // CISA KEV JSON (catalog format with "vulnerabilities": [...]); optional
	EPSSFile string   // FIRST EPSS CSV (with the "#model_version…,score_date…" line), plain or gzipped; optional
	// Out receives the DB at Out/6/vulnerability.db with grype's import.json
	// beside it, so GRYPE_DB_CACHE_DIR=Out works for the grype CLI.
	Out string
	// Now is the build time recorded in the DB and as each provider's capture
	// time; zero means time.Now().
	Now time.Time
}

// Build builds a grype v6 database with grype's own builder (grype/db.Build
// over vunnel provider workspaces). Every input record is checked first; a
// record grype cannot read is an error naming its file. The database is built
// in a staging directory inside Out and renamed into place, so on error Out
// is left as it was.
func Build(ctx context.Context, cfg BuildConfig, log *slog.Logger) (Status, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Out == "" {
		return Status{}, errors.New("build vulnerability database: no output directory")
	}
	if len(cfg.OSVDirs)+len(cfg.OSDirs)+len(cfg.GHSADirs) == 0 && cfg.KEVFile == "" && cfg.EPSSFile == "" {
		return Status{}, errors.New("build vulnerability database: no inputs (want OSV, OS or GHSA directories, a KEV catalog or an EPSS file)")
	}
	now := cfg.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC().Round(time.Second)
	start := time.Now()

	c, err := collect(ctx, cfg, log)
	if err != nil {
		return Status{}, fmt.Errorf("build vulnerability database: %w", err)
	}
	log.Info("read vulnerability records", "records", len(c.records), "ignored", c.skipped, "seconds", time.Since(start).Seconds())

	_, statErr := os.Stat(cfg.Out)
	createdOut := errors.Is(statErr, os.ErrNotExist)
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return Status{}, fmt.Errorf("build vulnerability database: %w", err)
	}
	stage, err := os.MkdirTemp(cfg.Out, ".build-")
	if err != nil {
		return Status{}, fmt.Errorf("build vulnerability database: %w", err)
	}
	installed := false
	defer func() {
		_ = os.RemoveAll(stage)
		if !installed && createdOut {
			_ = os.Remove(cfg.Out) // only succeeds if nothing else landed there
		}
	}()

	dbDir, err := buildStaged(ctx, stage, c, now, log)
	if err != nil {
		return Status{}, fmt.Errorf("build vulnerability database: %w", err)
	}
	if err := install(dbDir, cfg.Out, stage); err != nil {
		return Status{}, fmt.Errorf("build vulnerability database: %w", err)
	}
	installed = true

	st, err := ReadStatus(cfg.Out)
	if err != nil {
		return Status{}, fmt.Errorf("build vulnerability database: %w", err)
	}
	log.Info("built vulnerability database", "path", st.Path, "vulnerabilities", st.Vulnerabilities,
		"packages", st.Packages, "seconds", time.Since(start).Seconds())
	return st, nil
}

// buildStaged writes the workspaces and the DB under stage and returns the
// directory holding vulnerability.db and import.json.
func buildStaged(ctx context.Context, stage string, c collection, now time.Time, log *slog.Logger) (string, error) {
	t := time.Now()
	states, err := writeWorkspaces(filepath.Join(stage, "workspace"), c.records, now)
	if err != nil {
		return "", err
	}
	log.Debug("wrote provider workspaces", "providers", states.Names(), "seconds", time.Since(t).Seconds())
	if err := ctx.Err(); err != nil {
		return "", err
	}
	dbDir := filepath.Join(stage, strconv.Itoa(v6.ModelVersion))
	if err := os.MkdirAll(dbDir, 0o755); err != nil {
		return "", err
	}
	t = time.Now()
	err = grypedb.Build(grypedb.BuildConfig{
		SchemaVersion: v6.ModelVersion,
		Directory:     dbDir,
		States:        states,
		Timestamp:     now,
		// hydration and import.json are done below, after the build time is set
		Hydrate: false,
	})
	if err != nil {
		return "", fmt.Errorf("grype db build: %w", err)
	}
	log.Debug("grype builder finished", "seconds", time.Since(t).Seconds())
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if err := setBuilt(dbDir, now); err != nil {
		return "", err
	}
	// the same two steps grype's db.Build does when Hydrate is set
	t = time.Now()
	if err := v6.Hydrater()(dbDir); err != nil {
		return "", fmt.Errorf("hydrate database: %w", err)
	}
	if _, err := v6.WriteImportMetadata(afero.NewOsFs(), dbDir, importSourceName); err != nil {
		return "", fmt.Errorf("write import metadata: %w", err)
	}
	log.Debug("hydrated database", "seconds", time.Since(t).Seconds())
	return dbDir, nil
}

// setBuilt records the build time: grype's writer stamps time.Now(), and a
// reproducible build (and a test of staleness) needs the caller's clock.
func setBuilt(dbDir string, now time.Time) error {
	ldb, err := v6.NewLowLevelDB(filepath.Join(dbDir, v6.VulnerabilityDBFileName), false, true, false)
	if err != nil {
		return fmt.Errorf("open built database: %w", err)
	}
	sqlDB, err := ldb.DB()
	if err != nil {
		return fmt.Errorf("open built database: %w", err)
	}
	defer sqlDB.Close()
	if err := ldb.Model(&v6.DBMetadata{}).Where("true").Update("build_timestamp", now).Error; err != nil {
		return fmt.Errorf("set build time: %w", err)
	}
	return sqlDB.Close()
}

// install moves the staged DB directory to out/6, replacing any DB there.
func install(dbDir, out, stage string) error {
	dest := filepath.Join(out, strconv.Itoa(v6.ModelVersion))
	old := filepath.Join(stage, "previous")
	hadOld := false
	if _, err := os.Stat(dest); err == nil {
		if err := os.Rename(dest, old); err != nil {
			return fmt.Errorf("move previous database aside: %w", err)
		}
		hadOld = true
	}
	if err := os.Rename(dbDir, dest); err != nil {
		if hadOld {
			_ = os.Rename(old, dest)
		}
		return fmt.Errorf("install database: %w", err)
	}
	return nil
}
