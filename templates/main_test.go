package templates_test

import (
	"flag"
	"os"
	"runtime"
	"strconv"
	"testing"

	"gitlab.com/vigil-vm/vigil/ci/vulndb/vulndbtest"
)

// TestMain runs twice as many tests at once as there are cores unless
// -test.parallel says otherwise: each test mostly waits for the processes
// it starts (gitlab-ci-local, git, the jobs' shells), so two at a time left
// a core of two idle. It removes the test DB the real-scan jobs shared
// (see realVigil).
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		flag.Set("test.parallel", strconv.Itoa(2*runtime.GOMAXPROCS(0)))
	}
	code := m.Run()
	vulndbtest.Cleanup()
	os.Exit(code)
}
