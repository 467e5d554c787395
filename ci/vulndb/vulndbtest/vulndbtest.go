// Package vulndbtest builds the test vulnerability DB: the hand-written
// records in testdata/vulndata, named in one place and built once per test
// process for the packages that only read it.
package vulndbtest

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"gitlab.com/vigil-vm/vigil/ci/vulndb"
)

// Records is testdata/vulndata, found from this file so that tests in any
// package directory reach it.
func Records() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "vulndata")
}

// Config builds every kind of hand-written record (OSV, OS, GHSA, KEV,
// EPSS) into out.
func Config(out string) vulndb.BuildConfig {
	vd := Records()
	return vulndb.BuildConfig{
		OSVDirs:  []string{filepath.Join(vd, "osv")},
		OSDirs:   []string{filepath.Join(vd, "os")},
		GHSADirs: []string{filepath.Join(vd, "ghsa")},
		KEVFile:  filepath.Join(vd, "kev", "known_exploited_vulnerabilities.json"),
		EPSSFile: filepath.Join(vd, "epss", "epss_scores.csv"),
		Out:      out,
	}
}

// shared is the one DB of a test process. Package state on purpose: a
// build costs seconds, and every test of the process reads the same one.
var shared struct {
	once sync.Once
	dir  string
	err  error
}

// Shared returns the directory of a DB built from Config once per test
// process. Tests must only read it; the test binary's TestMain calls
// Cleanup after m.Run.
func Shared(tb testing.TB) string {
	tb.Helper()
	shared.once.Do(func() {
		if shared.dir, shared.err = os.MkdirTemp("", "vigil-test-db-"); shared.err != nil {
			return
		}
		_, shared.err = vulndb.Build(context.Background(), Config(shared.dir), slog.New(slog.DiscardHandler))
	})
	if shared.err != nil {
		tb.Fatalf("build the test DB: %v", shared.err)
	}
	return shared.dir
}

// Cleanup removes the shared DB, if one was built.
func Cleanup() {
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
}
