package demo

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"gitlab.com/vigil-vm/vigil/ci/scan"
)

// sharedDir holds what every test of the package reads and none changes:
// the demo's vulnerability DB, built once (the whole Go vulndb), and the
// reports of its one scan.
var sharedDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vigil-demo-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sharedDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var scanOnce = sync.OnceValues(func() (*scan.Outcome, error) {
	root, _ := filepath.Abs("../..")
	var out bytes.Buffer
	o := Options{Root: root, WorkDir: sharedDir, Out: &out, Version: "test", Log: slog.New(slog.DiscardHandler)}
	res, err := Scan(context.Background(), o, scan.NewProgress(&out, false, false))
	if err != nil {
		return nil, fmt.Errorf("%w\n%s", err, out.String())
	}
	return res, nil
})

// scanned is the demo's scan (DB build, image, scan), run once per process
// however many tests loop through its reports.
func scanned(t *testing.T) *scan.Outcome {
	t.Helper()
	res, err := scanOnce()
	if err != nil {
		t.Fatal(err)
	}
	return res
}
