// Package vigiltest gives tests that run vigil as a program its executable.
package vigiltest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

var (
	once sync.Once
	path string
	err  error
)

// Binary is the path of a vigil executable built from this tree: the one
// `go run` keeps in the Go build cache, so it is linked once while the
// sources stay the same, for every test package and every run, instead of
// by each package that needs it (about 14 CPU-seconds a link). Nothing may
// write to it.
func Binary(t testing.TB) string {
	t.Helper()
	once.Do(func() { path, err = cached() })
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// cached asks `go run -exec echo` for the executable instead of running it.
// After a build it names a temporary copy that is gone once go run exits,
// having stored the executable in the cache; asked again, it names that.
func cached() (string, error) {
	for range 2 {
		cmd := exec.Command("go", "run", "-exec", "echo", "gitlab.com/vigil-vm/vigil/cmd/vigil")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("build vigil: %v\n%s", err, stderr.String())
		}
		p := strings.TrimSpace(string(out))
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("build vigil: go run keeps no executable in the build cache (GOCACHE off?)")
}
