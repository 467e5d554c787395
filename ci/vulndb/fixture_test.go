package vulndb

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// fixtures is testdata/vulndata, the hand-written records every DB test uses.
var fixtures = filepath.Join("..", "..", "testdata", "vulndata")

// fixtureConfig builds from every fixture kind. It is vulndbtest.Config
// again because vulndbtest imports this package: its own tests cannot use it.
func fixtureConfig(out string, now time.Time) BuildConfig {
	return BuildConfig{
		OSVDirs:  []string{filepath.Join(fixtures, "osv")},
		OSDirs:   []string{filepath.Join(fixtures, "os")},
		GHSADirs: []string{filepath.Join(fixtures, "ghsa")},
		KEVFile:  filepath.Join(fixtures, "kev", "known_exploited_vulnerabilities.json"),
		EPSSFile: filepath.Join(fixtures, "epss", "epss_scores.csv"),
		Out:      out,
		Now:      now,
	}
}

// shared builds one fixture DB per test binary; tests only read it.
type shared struct {
	once   sync.Once
	dir    string
	status Status
	err    error
}

var fixtureDB shared

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}

// builtFixtures returns the directory of the shared fixture DB.
func builtFixtures(t *testing.T) (string, Status) {
	t.Helper()
	fixtureDB.once.Do(func() {
		fixtureDB.dir, fixtureDB.err = os.MkdirTemp("", "vigil-vulndb-fixture-")
		if fixtureDB.err != nil {
			return
		}
		fixtureDB.status, fixtureDB.err = Build(context.Background(), fixtureConfig(fixtureDB.dir, time.Now()), testLogger(t))
	})
	if fixtureDB.err != nil {
		t.Fatalf("build fixture DB: %v", fixtureDB.err)
	}
	return fixtureDB.dir, fixtureDB.status
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureDB.dir != "" {
		_ = os.RemoveAll(fixtureDB.dir)
	}
	os.Exit(code)
}
