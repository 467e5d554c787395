package bot

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
)

func TestScanOpensIssuesThenStaysQuietThenClosesTheFixed(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	w.start(nil)

	// A scan finishes: the Job Hook makes the bot open one issue per finding.
	w.scan(report("sha256:aaaa", xText, xNet, zlib))
	issues := w.gl.Issues(w.project.ID)
	if len(issues) != 3 {
		t.Fatalf("issues = %v, want 3", titles(issues))
	}
	now := w.clock.Now()
	tests := []struct {
		title  string
		labels []string
		due    string
	}{
		{"CVE-2022-32149 in golang.org/x/text 0.3.5",
			[]string{"security", "bug::vulnerability", "severity::2", "priority::2", "Vulnerability::Vendor Package::Fix Available"},
			now.AddDate(0, 0, 30).Format(time.DateOnly)},
		{"CVE-2023-44487 in golang.org/x/net 0.7.0",
			[]string{"security", "bug::vulnerability", "severity::2", "priority::2", "Vulnerability::Vendor Package::Fix Available",
				"Vulnerability Impact::Public Exploitation::Exploited", "SLA::Near Breach"},
			"2026-11-12"}, // the KEV due date, 10 days away, comes before 30 days
		{"CVE-2023-45853 in zlib1g 1:1.2.13.dfsg-1",
			[]string{"security", "bug::vulnerability", "severity::1", "priority::1", "Vulnerability::Vendor Package::Will Not Be Fixed"},
			now.AddDate(0, 0, 30).Format(time.DateOnly)},
	}
	for _, tt := range tests {
		is := w.issue(tt.title)
		got := slices.Clone(is.Labels)
		want := slices.Clone(tt.labels)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: labels %q, want %q", tt.title, got, want)
		}
		if is.DueDate == nil || is.DueDate.String() != tt.due {
			t.Errorf("%s: due %v, want %s", tt.title, is.DueDate, tt.due)
		}
		if !is.Confidential {
			t.Errorf("%s: not confidential", tt.title)
		}
		if !strings.Contains(is.Description, "<!-- vigil:fingerprints ") || !strings.Contains(is.Description, "registry.example/group/app") {
			t.Errorf("%s: description lacks marker or image:\n%s", tt.title, is.Description)
		}
	}
	if n := len(w.userNotes(w.issue(tests[1].title).IID)); n != 1 {
		t.Errorf("KEV issue near breach from the start: %d reminder notes, want 1", n)
	}
	var sev1 string
	for _, l := range w.gl.Labels(w.project.ID) {
		if l.Name == "severity::1" {
			sev1 = l.Color
		}
	}
	if !strings.EqualFold(sev1, "#cc0000") {
		t.Errorf("severity::1 label color %q, want #cc0000", sev1)
	}

	// The same findings again, from a rebuilt image: not a single write.
	w.gl.ResetCalls()
	w.scan(report("sha256:bbbb", xText, xNet, zlib))
	if writes := w.gl.Writes(); len(writes) != 0 {
		t.Errorf("unchanged rescan wrote to GitLab:\n%s", writesSummary(writes))
	}

	// golang.org/x/text upgraded: exactly that issue gets a note and is closed.
	w.gl.ResetCalls()
	w.scan(report("sha256:cccc", xNet, zlib))
	text := w.issue(tests[0].title)
	if text.State != "closed" {
		t.Errorf("fixed issue is %s", text.State)
	}
	notes := w.userNotes(text.IID)
	if len(notes) != 1 || !strings.Contains(notes[0], "No longer detected by pipeline #") || !strings.Contains(notes[0], "sha256:cccc") {
		t.Errorf("closing notes = %q", notes)
	}
	for _, c := range w.gl.Writes() {
		if !strings.Contains(c.Path, "/issues/"+strconv.Itoa(text.IID)) {
			t.Errorf("write to another issue: %s %s", c.Method, c.Path)
		}
	}
	for _, title := range []string{tests[1].title, tests[2].title} {
		if is := w.issue(title); is.State != "opened" {
			t.Errorf("%s is %s", title, is.State)
		}
	}

	// The last Job Hook delivered twice more: processed once.
	var last gitlabdouble.Delivery
	for _, d := range w.gl.Deliveries() {
		if d.Event == "Job Hook" && strings.Contains(string(d.Body), `"vigil-scan"`) {
			last = d
		}
	}
	w.gl.ResetCalls()
	w.gl.Redeliver(last)
	w.gl.Redeliver(last)
	w.settle()
	if writes := w.gl.Writes(); len(writes) != 0 {
		t.Errorf("redelivery wrote to GitLab:\n%s", writesSummary(writes))
	}
	if reads := len(w.gl.Calls()); reads != 0 {
		t.Errorf("redelivery was processed again: %d API calls", reads)
	}
	if m := w.metrics(); !strings.Contains(m, `vigil_bot_webhook_deliveries_total{event="Job Hook",result="duplicate"} 2`) {
		t.Errorf("metrics do not count 2 duplicates:\n%s", grep(m, "deliveries_total"))
	}

	// The old golang.org/x/text comes back (a revert): the issue reopens with a note.
	w.scan(report("sha256:dddd", xText, xNet, zlib))
	text = w.issue(tests[0].title)
	notes = w.userNotes(text.IID)
	if text.State != "opened" || len(notes) != 2 || !strings.Contains(notes[1], "Detected again by pipeline #") {
		t.Errorf("after regression: state %s notes %q", text.State, notes)
	}
	if n := len(w.gl.Issues(w.project.ID)); n != 3 {
		t.Errorf("%d issues after regression, want the same 3", n)
	}
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestWrongTokenIsRefusedAndStoresNothing(t *testing.T) {
	w := newWorld(t)
	w.start(nil)
	req, _ := http.NewRequest(http.MethodPost, w.hookURL, bytes.NewBufferString(`{"object_kind":"build"}`))
	req.Header.Set("X-Gitlab-Event", "Job Hook")
	req.Header.Set("X-Gitlab-Token", "guess")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", resp.StatusCode)
	}
	var n int
	if err := w.bot.db.QueryRow(`SELECT COUNT(*) FROM vigil_deliveries`).Scan(&n); err != nil || n != 0 {
		t.Errorf("stored %d deliveries (%v)", n, err)
	}
}
