package bot

import (
	"strconv"
	"strings"
	"testing"
)

// A finding with a known fix in a Go module gets a merge request made with
// the real go command, which closes the tracking issue when merged; an
// unchanged rescan writes nothing.
func TestScanOpensPatchMergeRequest(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	if testing.Short() {
		t.Skip("runs go get")
	}
	w := newWorldRepo(t, map[string][]byte{
		"go.mod":  []byte("module example.com/app\n\ngo 1.22\n\nrequire golang.org/x/text v0.3.5\n"),
		"main.go": []byte("package main\n\nimport \"golang.org/x/text/language\"\n\nfunc main() { _, _, _ = language.ParseAcceptLanguage(\"en\") }\n"),
	})
	cfg := w.config()
	cfg.Patch = true
	w.start(cfg)

	w.scan(report("sha256:aaaa", xText))
	issue := w.issue("CVE-2022-32149 in golang.org/x/text 0.3.5")
	mrs := w.gl.MergeRequests(w.project.ID)
	if len(mrs) != 1 {
		t.Fatalf("merge requests = %d, want 1", len(mrs))
	}
	m := mrs[0]
	if !strings.HasPrefix(m.SourceBranch, "vigil/gomod/golang.org/x/text") || !strings.Contains(m.Title, "bump golang.org/x/text") || !strings.Contains(m.Title, "0.3.8") {
		t.Errorf("merge request %q from %q", m.Title, m.SourceBranch)
	}
	if !strings.Contains(m.Description, "Closes #"+strconv.Itoa(issue.IID)) {
		t.Errorf("merge request does not close #%d:\n%s", issue.IID, m.Description)
	}
	gomod := string(w.gl.Files(w.project.ID, m.SourceBranch)["go.mod"])
	if !strings.Contains(gomod, "golang.org/x/text v0.3.8") {
		t.Errorf("go.mod on the branch:\n%s", gomod)
	}
	if _, ok := w.gl.Files(w.project.ID, m.SourceBranch)["go.sum"]; !ok {
		t.Error("go.sum not written by go get")
	}

	w.gl.ResetCalls()
	w.scan(report("sha256:bbbb", xText))
	if writes := w.gl.Writes(); len(writes) != 0 {
		t.Errorf("unchanged rescan wrote:\n%s", writesSummary(writes))
	}
}
