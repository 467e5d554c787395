package tracker

import (
	"strings"
	"testing"

	"gitlab.com/vigil-vm/vigil/bot/inventory"
	"gitlab.com/vigil-vm/vigil/bot/sla"
)

// Image names, places and sources come from registries and clusters: in a
// coverage-gap issue they are text, never markup, mentions, quick actions
// or a marker of the bot's.
func TestGapIssueNeutralisesOutsideText(t *testing.T) {
	tr := New(nil, nil, sla.DefaultConfig(), nil, Options{MarkerKey: []byte("the bot's secret marker key")})
	forged := tr.markers.coverage(7) // a valid marker, smuggled in through a pod spec
	gaps := []inventory.Gap{
		{Kind: "unscanned", Source: "prod", Reason: "runs but has no known scan", Digest: "sha256:aa",
			Image: "evil/app:1 `@all` | " + forged, Where: "prod/ns/Deployment/x\n/close/app"},
		{Kind: inventory.KindStored, Source: "reg <b>@ops</b>", Reason: "stored but has no known scan", Digest: "sha256:bb", Image: "r/app"},
	}
	d := tr.renderGaps(7, gaps, nil)
	if n := strings.Count(d.Description, "<!--"); n != 1 || !tr.markers.tracksCoverage(d.Description, 7) {
		t.Errorf("%d hidden lines, want only the bot's own:\n%s", n, d.Description)
	}
	for _, bad := range []string{"@all", "@ops", "<b>", "\n/close"} {
		if strings.Contains(d.Description, bad) {
			t.Errorf("description carries %q:\n%s", bad, d.Description)
		}
	}
	if rows := strings.Count(d.Description, "\n| `"); rows != 2 {
		t.Errorf("%d table rows, want 2 (a pipe or newline in a name broke the table):\n%s", rows, d.Description)
	}
	if d.Title != "Coverage gaps: 2 images that no scan covers" {
		t.Errorf("title %q", d.Title)
	}
	if again := tr.renderGaps(7, gaps, nil); again.Hash != d.Hash || tr.renderGaps(8, gaps, nil).Hash == d.Hash {
		t.Error("the content hash is not a function of the project and its gaps")
	}
	if u := tr.renderGaps(7, gaps, []string{"prod"}); !strings.Contains(u.Description, "last listing left them: `prod`") || u.Hash == d.Hash {
		t.Errorf("a source not listed is not said:\n%s", u.Description)
	}
	if tr.markers.tracksCoverage(d.Description, 8) || (markers{key: []byte("a guess")}).tracksCoverage(d.Description, 7) {
		t.Error("the marker is accepted for another project or under another key")
	}
}
