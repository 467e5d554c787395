package bot

import (
	"strings"
	"testing"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// JSON may carry "\u0000" in any string, and PostgreSQL's text refuses NUL:
// a report whose package and vulnerability text hold one is recorded and
// opens its issue on either database, instead of failing the ingest for ever.
func TestReportTextWithNULOpensItsIssue(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	w.start(nil)
	f := xText
	f.Package.Name = "golang.org/x/te\x00xt"
	f.Vulnerability.Description = "bad\x00text"
	f.Package.Locations = append([]findings.Location(nil), f.Package.Locations...) // xText's own stays as it is
	f.Package.Locations[0].Path = "/app/bi\x00n"
	w.scan(report("sha256:aaaa", f))
	issues := w.gl.Issues(w.project.ID)
	if len(issues) != 1 {
		t.Fatalf("issues = %v, want 1", titles(issues))
	}
	if strings.Contains(issues[0].Title+issues[0].Description, "\x00") {
		t.Errorf("a NUL reached GitLab: %q", issues[0].Title)
	}
}
