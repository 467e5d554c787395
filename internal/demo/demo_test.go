package demo

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/ci/scan"
)

// TestDemo runs what the README's first command runs: the scan of the demo
// image and the loop through the GitLab double and the bot.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the whole Go vulnerability database")
	}
	t.Parallel()
	root, _ := filepath.Abs("../..")
	var out bytes.Buffer
	o := Options{Root: root, WorkDir: t.TempDir(), Out: &out, Version: "test", Log: slog.New(slog.DiscardHandler)}
	progress := scan.NewProgress(&out, false, false)
	if err := Loop(context.Background(), o, scanned(t), progress); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	due := time.Now().AddDate(0, 0, 30).Format(time.DateOnly)
	var line string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, "CVE-2022-32149 in golang.org/x/text 0.3.7") {
			line = l
		}
	}
	for _, want := range []string{due, "true", "severity::2", "priority::2", "security", "bug::vulnerability", "Fix Available"} {
		if !strings.Contains(line, want) {
			t.Errorf("x/text issue line lacks %q: %q\n%s", want, line, text)
		}
	}
	if !strings.Contains(text, "CVE-2005-2541 in tar") || !strings.Contains(text, "Fix Unavailable") {
		t.Errorf("tar issue missing or mislabeled:\n%s", text)
	}
	iid := strings.Fields(line)[0] // "#30"
	var mr string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, "bump golang.org/x/text from v0.3.7") {
			mr = l
		}
	}
	if !strings.Contains(mr, "vigil/gomod/golang.org/x/text-") || !slices.Contains(strings.Fields(mr), iid) {
		t.Errorf("no merge request bumping x/text that closes %s: %q\n%s", iid, mr, text)
	}
}
