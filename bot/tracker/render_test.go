package tracker

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/sla"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

func entryFor(t *testing.T, asset string, f findings.Finding, status string) ledger.Finding {
	t.Helper()
	a := findings.Asset{Repository: asset, Digest: "sha256:0123456789abcdef0123456789"}
	data, _ := json.Marshal(record{Finding: f, Asset: a, PipelineID: 4, JobID: 9})
	now := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	return ledger.Finding{Fingerprint: findings.FingerprintFor("g/p", a, f), Asset: asset, Digest: a.Digest,
		PackageType: f.Package.Type, PackageName: f.Package.Name, PackageVersion: f.Package.Version,
		Vulnerability: f.Key(), Severity: f.Vulnerability.Severity, FirstSeen: now, LastSeen: now,
		FixState: string(f.Fix.State), Status: status, Data: data}
}

func TestRenderGroupAcrossImages(t *testing.T) {
	text := findings.Finding{
		Vulnerability: findings.Vulnerability{ID: "GO-2022-1059", Aliases: []string{"CVE-2022-32149"}, Severity: findings.High,
			CVSS: []findings.CVSS{{Version: "3.1", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", BaseScore: 7.5}}},
		Package: findings.Package{Name: "golang.org/x/text", Version: "v0.3.5", Type: "go-module", Locations: []findings.Location{{Path: "/bin/app"}}},
		Fix:     findings.Fix{State: findings.FixAvailable, Versions: []string{"0.3.8"}},
	}
	g := newGroup("k", "g/p", sla.GroupByVulnerability, []ledger.Finding{
		entryFor(t, "reg/api", text, ledger.FindingOpen),
		entryFor(t, "reg/worker", text, ledger.FindingOpen),
		entryFor(t, "reg/old", text, ledger.FindingResolved),
	})
	if got := g.Title(); got != "CVE-2022-32149 in golang.org/x/text 0.3.5" {
		t.Errorf("title %q", got)
	}
	pol := sla.Default()
	now := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	is := ledger.Issue{Group: "k", Exception: sla.AcceptedRisk, ExceptionBy: "alice", ExceptionReason: "a | b",
		ExceptionExpires: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	tr := &Tracker{}
	d, err := tr.render(pol, g, is, schedule(pol, g, is, now), now)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<!-- vigil:group k -->", "<!-- vigil:fingerprints ", "`reg/api`", "`reg/worker`", "resolved by", "7.5 `CVSS:3.1/",
		"0.3.8", "due 2026-12-02", "risk accepted by @alice until 2026-12-01"} {
		if !strings.Contains(d.Description, want) {
			t.Errorf("description lacks %q:\n%s", want, d.Description)
		}
	}
	kind, exp, by, reason, ok := parseExceptionMarker(d.Description)
	if !ok || kind != sla.AcceptedRisk || by != "alice" || reason != "a / b" || exp.Format(time.DateOnly) != "2026-12-01" {
		t.Errorf("exception marker round trip: %v %v %v %q %v", kind, exp, by, reason, ok)
	}
	// The hash ignores what changes every build (digests, dates) but not the images.
	g2 := newGroup("k", "g/p", sla.GroupByVulnerability, []ledger.Finding{entryFor(t, "reg/api", text, ledger.FindingOpen)})
	d2, _ := tr.render(pol, g2, is, schedule(pol, g2, is, now), now)
	if d2.Hash == d.Hash {
		t.Error("hash unchanged when an image stopped being affected")
	}
}

func TestRetryAfterHeader(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	tests := map[string]time.Duration{
		"":                              0,
		"7":                             7 * time.Second,
		"Mon, 02 Nov 2026 10:00:30 GMT": 30 * time.Second,
		"soon":                          0,
	}
	for in, want := range tests {
		if got := RetryAfterHeader(in, now); got != want {
			t.Errorf("RetryAfterHeader(%q) = %v, want %v", in, got, want)
		}
	}
}
