package bot

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/readout"
	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
)

// The bot posts each month's read-out as an issue in the VM team's
// project, its charts uploaded and shown, the previous read-out linked;
// asking again, restarting, or losing the ledger's record after a crash
// never posts a period twice.
func TestReadoutIssueMonthly(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	vm := w.gl.AddProject(gitlabdouble.ProjectSpec{Path: "vm/readouts"})
	cfg := w.config()
	cfg.ReadoutProject = "vm/readouts"
	cfg.ReadoutCheckInterval = 24 * time.Hour // at start, then when asked
	nov := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	w.clock.Set(nov.Add(6 * time.Hour))
	w.start(cfg) // posts October's at start, once elected leader
	script := scriptHistory(t, w.bot.ledger, nov)
	october := waitReadouts(t, w, vm.ID, 1)
	if len(october) != 1 || october[0].Title != "Vulnerability read-out: October 2026" {
		t.Fatalf("after the start on 1 November: %v", titles(october))
	}
	first := october[0]
	if !first.Confidential || !hasLabel(first, readoutLabel) || !strings.Contains(first.Description, "This is the first read-out.") {
		t.Errorf("first read-out: confidential %v, labels %v, description %q", first.Confidential, first.Labels, first.Description)
	}
	checkCharts(t, first.Description, w.gl.Uploads(vm.ID))

	ask := func() {
		t.Helper()
		if err := w.bot.PostReadout(context.Background()); err != nil {
			t.Fatal(err)
		}
		w.settle()
	}
	ask()
	if n := len(readoutIssues(t, w, vm.ID)); n != 1 {
		t.Fatalf("asked again for October: %d read-out issues, want 1", n)
	}

	w.clock.Add(30 * 24 * time.Hour) // 1 December
	ask()
	issues := readoutIssues(t, w, vm.ID)
	if len(issues) != 2 || issues[1].Title != "Vulnerability read-out: November 2026" {
		t.Fatalf("on 1 December: %v", titles(issues))
	}
	second := issues[1]
	if want := fmt.Sprintf("Previous read-out: [#%d](%s)", first.IID, first.WebURL); !strings.Contains(second.Description, want) {
		t.Errorf("November's read-out does not link October's (%q):\n%s", want, second.Description)
	}
	open := countOpen(script, nov.AddDate(0, 1, 0), func(scriptedFinding) bool { return true })
	if !strings.Contains(second.Description, fmt.Sprintf("\n| %d | ", open)) {
		t.Errorf("November's headline does not say %d open:\n%s", open, second.Description)
	}
	uploads := w.gl.Uploads(vm.ID)
	checkCharts(t, second.Description, uploads[len(uploads)/2:])

	// A restart checks at start and finds November posted.
	w.shutdown()
	w.start(cfg)
	time.Sleep(time.Second) // time for the check at start
	w.settle()
	// A crash after the issue was created, before the ledger recorded it:
	// the bot finds its own issue instead of opening another.
	if _, err := w.bot.ledger.DB().Exec(`DELETE FROM vigil_readouts WHERE period = '2026-11-01'`); err != nil {
		t.Fatal(err)
	}
	ask()
	if n := len(readoutIssues(t, w, vm.ID)); n != 2 {
		t.Errorf("after a restart and a lost record: %d read-out issues, want 2", n)
	}
	if ro, err := w.bot.ledger.Readouts().Posted(context.Background(), "2026-11-01"); err != nil || ro.IssueIID != int64(second.IID) {
		t.Errorf("record of November after adoption: %+v, %v; want issue %d", ro, err, second.IID)
	}
	if n := len(w.gl.Uploads(vm.ID)); n != len(uploads) {
		t.Errorf("%d uploads after the period was posted, want still %d", n, len(uploads))
	}
}

// waitReadouts waits for the periodic job to have posted n read-outs.
func waitReadouts(t *testing.T, w *world, projectID, n int) []gitlabdouble.Issue {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		w.settle()
		if is := readoutIssues(t, w, projectID); len(is) >= n || time.Now().After(deadline) {
			return is
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func readoutIssues(t *testing.T, w *world, projectID int) []gitlabdouble.Issue {
	t.Helper()
	var out []gitlabdouble.Issue
	for _, is := range w.gl.Issues(projectID) {
		if strings.HasPrefix(is.Title, "Vulnerability read-out: ") {
			out = append(out, is)
		}
	}
	return out
}

// imageRe is a Markdown image of an upload; readout's template escapes
// the leading slash (\/ is a plain / in a CommonMark link destination).
var imageRe = regexp.MustCompile(`!\[[^\]]+\]\(\\?(/uploads/[0-9a-f]{32}/[a-z-]+\.svg)\)`)

// checkCharts checks that the description shows every chart of the
// read-out as an image uploaded to the project, each an SVG drawing.
func checkCharts(t *testing.T, description string, uploads []gitlabdouble.UploadedFile) {
	t.Helper()
	shown := map[string]bool{}
	for _, m := range imageRe.FindAllStringSubmatch(description, -1) {
		shown[m[1]] = true
	}
	want := []string{readout.ChartNewVsFixed, readout.ChartOpenBySeverity, readout.ChartMTTR, readout.ChartCompliance}
	if len(uploads) != len(want) || len(shown) != len(want) {
		t.Fatalf("%d uploads, %d images shown; want %d of each:\n%s", len(uploads), len(shown), len(want), description)
	}
	for i, u := range uploads {
		if u.Filename != want[i]+".svg" || !shown[u.URL()] || !strings.Contains(string(u.Content), "<svg") || !strings.Contains(string(u.Content), "<path") {
			t.Errorf("upload %s (%d bytes) shown %v: want %s.svg, a drawn SVG shown in the issue", u.Filename, len(u.Content), shown[u.URL()], want[i])
		}
	}
}
