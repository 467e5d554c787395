package match

import (
	"os"
	"testing"

	"gitlab.com/vigil-vm/vigil/ci/vulndb/vulndbtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	vulndbtest.Cleanup()
	os.Exit(code)
}
