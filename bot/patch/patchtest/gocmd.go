package patchtest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Go runs the go command in dir as a project's CI would, from the
// committed files only (-mod=readonly, no workspace, the local toolchain),
// and fails the test when it fails.
func Go(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOWORK=off", "GOTOOLCHAIN=local")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
