package monitor

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
	"gopkg.in/yaml.v3"

	"gitlab.com/vigil-vm/vigil/ci/vulndb"
	"gitlab.com/vigil-vm/vigil/ci/vulndb/vulndbtest"
)

// The two builds every test of the package diffs: the real Go vulnerability
// database as it stood on two dates a week apart, with the hand-written OS,
// GHSA, KEV and EPSS records. Built once per test process.
var (
	root       string                  // repository root
	oldDB      string                  // built from the records reported before cutoff, without one Debian advisory
	newDB      string                  // every record, the Debian advisory added and withdrawnID withdrawn
	addedOSRec = "cve-2023-52425.json" // expat, Debian 12: only in the new build
)

const (
	// withdrawnID is a real Go advisory (github.com/Masterminds/goutils,
	// required by two of the fleet's applications) that the new build marks
	// withdrawn, as the Go team does with a report found wrong.
	withdrawnID = "GO-2022-0411"
)

// cutoff splits the Go vulndb snapshot (golang.org/x/vulndb@…20261105):
// records whose report was created from this day on are the week's news.
var cutoff = time.Date(2026, 10, 29, 0, 0, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	root, _ = filepath.Abs("../..")
	if os.Getenv("VIGIL_MONITOR_CHILD") != "" {
		return m.Run() // BenchmarkMonitor's child: the builds are its parent's
	}
	tmp, err := os.MkdirTemp("", "vigil-monitor-test-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	oldDB, newDB = filepath.Join(tmp, "db-old"), filepath.Join(tmp, "db-new")
	if err := buildPair(ctx, tmp); err != nil {
		log.Fatal(err)
	}
	return m.Run()
}

// buildPair builds oldDB and newDB with `vigil db build`'s builder.
func buildPair(ctx context.Context, tmp string) error {
	osv, err := vulndb.GoVulnDB(ctx)
	if err != nil {
		return err
	}
	reports := filepath.Join(filepath.Dir(osv), "reports")
	oldOSV, newOSV := filepath.Join(tmp, "osv-old"), filepath.Join(tmp, "osv-new")
	kept, err := splitOSV(osv, reports, oldOSV, newOSV)
	if err != nil {
		return err
	}
	oldOS := filepath.Join(tmp, "os-old", "debian")
	if err := copyDir(filepath.Join(vulndbtest.Records(), "os", "debian"), oldOS, addedOSRec); err != nil {
		return err
	}
	quiet := slog.New(slog.DiscardHandler)
	day := cutoff.Add(7 * 24 * time.Hour)
	var g errgroup.Group // the two builds at once: they are most of the package's time
	for _, b := range []struct {
		osv, os, out string
		now          time.Time
	}{{oldOSV, filepath.Dir(oldOS), oldDB, cutoff}, {newOSV, "", newDB, day}} {
		cfg := vulndbtest.Config(b.out)
		cfg.OSVDirs, cfg.Now = []string{b.osv}, b.now
		if b.os != "" {
			cfg.OSDirs = []string{b.os}
		}
		g.Go(func() error {
			if _, err := vulndb.Build(ctx, cfg, quiet); err != nil {
				return fmt.Errorf("build %s: %w", b.out, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	log.Printf("monitor test: old build has %d Go records, new build %d", kept, countJSON(newOSV))
	return nil
}

// splitOSV copies every record to newDir and those reported before cutoff
// to oldDir; in newDir, withdrawnID is marked withdrawn. A report without a
// creation date is older than the automation that records one.
func splitOSV(osv, reports, oldDir, newDir string) (int, error) {
	files, err := filepath.Glob(filepath.Join(osv, "*.json"))
	if err != nil {
		return 0, err
	}
	for _, d := range []string{oldDir, newDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return 0, err
		}
	}
	kept := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return 0, err
		}
		id := strings.TrimSuffix(filepath.Base(f), ".json")
		created, err := reportCreated(filepath.Join(reports, id+".yaml"))
		if err != nil {
			return 0, err
		}
		if created.IsZero() || created.Before(cutoff) {
			if err := os.WriteFile(filepath.Join(oldDir, filepath.Base(f)), data, 0o644); err != nil {
				return 0, err
			}
			kept++
		}
		if id == withdrawnID {
			if data, err = withdraw(data, cutoff.Add(5*24*time.Hour)); err != nil {
				return 0, err
			}
		}
		if err := os.WriteFile(filepath.Join(newDir, filepath.Base(f)), data, 0o644); err != nil {
			return 0, err
		}
	}
	return kept, nil
}

// reportCreated reads when a vulndb report's source advisory was created.
func reportCreated(path string) (time.Time, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	var r struct {
		Source struct {
			Created time.Time `yaml:"created"`
		} `yaml:"source"`
	}
	if err := yaml.Unmarshal(data, &r); err != nil {
		return time.Time{}, fmt.Errorf("read %s: %w", path, err)
	}
	return r.Source.Created, nil
}

// withdraw sets an OSV record's "withdrawn" time.
func withdraw(data []byte, at time.Time) ([]byte, error) {
	var rec map[string]any
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, err
	}
	rec["withdrawn"] = at.Format(time.RFC3339)
	return json.MarshalIndent(rec, "", "  ")
}

func copyDir(from, to, skip string) error {
	if err := os.MkdirAll(to, 0o755); err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(from, "*.json"))
	if err != nil {
		return err
	}
	for _, f := range files {
		if filepath.Base(f) == skip {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(to, filepath.Base(f)), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func countJSON(dir string) int {
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	return len(files)
}
