package bot

import (
	"flag"
	"os"
	"testing"
)

// TestMain runs the end-to-end tests eight at a time rather than one per
// core, unless -test.parallel says otherwise: each waits on its bot's
// queue polls, the double and Chromium far more than it computes (the
// package used 18 CPU-s in 43 s of wall time at two at a time).
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		flag.Set("test.parallel", "8")
	}
	os.Exit(m.Run())
}
