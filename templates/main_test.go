package templates_test

import (
	"os"
	"testing"

	"gitlab.com/vigil-vm/vigil/ci/vulndb/vulndbtest"
)

// TestMain removes the test DB the real-scan jobs shared (see realVigil).
func TestMain(m *testing.M) {
	code := m.Run()
	vulndbtest.Cleanup()
	os.Exit(code)
}
