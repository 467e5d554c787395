package templates_test

import (
	"fmt"
	"os"
	"testing"
)

// sharedDir holds what tests build once per process and only read: the
// real vigil binary and its database (see realVigil).
var sharedDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vigil-templates-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sharedDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
