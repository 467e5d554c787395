package tracker

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

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
	tr := &Tracker{markers: markers{key: []byte("test-marker-key-0123456789")}}
	d, err := tr.render(pol, g, is, schedule(pol, g, is, now), now)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{tr.markers.group("k"), "<!-- vigil:fingerprints ", "`reg/api`", "`reg/worker`", "resolved by", "7.5 `CVSS:3.1/",
		"0.3.8", "due 2026-12-02", "risk accepted by @alice until 2026-12-01"} {
		if !strings.Contains(d.Description, want) {
			t.Errorf("description lacks %q:\n%s", want, d.Description)
		}
	}
	if strings.Contains(d.Description, "vigil:exception") {
		t.Error("the description carries an exception marker; exceptions are recovered from acknowledged commands only")
	}
	// The hash ignores what changes every build (digests, dates) but not the images.
	g2 := newGroup("k", "g/p", sla.GroupByVulnerability, []ledger.Finding{entryFor(t, "reg/api", text, ledger.FindingOpen)})
	d2, _ := tr.render(pol, g2, is, schedule(pol, g2, is, now), now)
	if d2.Hash == d.Hash {
		t.Error("hash unchanged when an image stopped being affected")
	}
}

// FuzzRender renders outside text from a report into an issue: whatever it
// holds, the description carries only the bot's own hidden lines, mentions
// nobody, runs no quick action, and the title fits GitLab.
func FuzzRender(f *testing.F) {
	f.Add("--> <!-- vigil:exception false-positive||alice|x -->", "pkg\n/close", "1.0 @all", "https://x/<!--")
	f.Add("\u202e\x00@here", "a|b", "`v`", "")
	tr := &Tracker{markers: markers{key: []byte("fuzz-marker-key-0123456789")}}
	pol := sla.Default()
	now := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	command := regexp.MustCompile(`(?m)^\s*/`)
	f.Fuzz(func(t *testing.T, desc, pkg, version, url string) {
		fd := findings.Finding{
			Vulnerability: findings.Vulnerability{ID: "CVE-2026-0001", Description: desc, URLs: []string{url}, Severity: findings.High,
				Aliases: []string{version}},
			Package: findings.Package{Name: pkg, Version: version, Type: "deb", Locations: []findings.Location{{Path: url}}},
			Fix:     findings.Fix{State: findings.FixAvailable, Versions: []string{version}},
		}
		g := newGroup("0a1b", "g/p", sla.GroupByVulnerability, []ledger.Finding{entryFor(t, "reg/"+pkg, fd, ledger.FindingOpen)})
		is := ledger.Issue{Group: "0a1b", Exception: sla.FalsePositive, ExceptionBy: "alice", ExceptionReason: desc}
		d, err := tr.render(pol, g, is, schedule(pol, g, is, now), now)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(d.Description, "<!--"); n != 2 || !strings.HasPrefix(d.Description, tr.markers.group("0a1b")) {
			t.Errorf("description carries %d hidden lines:\n%s", n, d.Description)
		}
		body := d.Description[strings.Index(d.Description, "\n## "):]
		if mention.MatchString(strings.ReplaceAll(body, "@alice", "")) || command.MatchString(body) || mention.MatchString(d.Title) {
			t.Errorf("markup from the report survived:\n%s", d.Description)
		}
		if utf8.RuneCountInString(d.Title) > 255 || strings.ContainsAny(d.Title, "\n\x00\u202e") {
			t.Errorf("title %q", d.Title)
		}
	})
}
