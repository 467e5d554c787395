package findings

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func sample() Report {
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	asset := Asset{Kind: "image", Repository: "registry.example/app", Digest: "sha256:abcd", Tags: []string{"v1"}}
	f := Finding{
		Vulnerability: Vulnerability{ID: "GO-2022-1059", Aliases: []string{"CVE-2022-32149", "GHSA-69ch-w2m2-3vjp"}, Severity: High},
		Package:       Package{Name: "golang.org/x/text", Version: "v0.3.5", Type: "go-module"},
		Fix:           Fix{State: FixAvailable, Versions: []string{"0.3.8"}},
	}
	f.Fingerprint = FingerprintFor("group/app", asset, f)
	return Report{Schema: SchemaID, Scanner: Scanner{Name: "vigil", Version: "dev", Matcher: "grype", DB: DB{Built: t0}},
		Started: t0, Ended: t0, Asset: asset, Findings: []Finding{f}}
}

func TestReadRoundTrip(t *testing.T) {
	b, _ := json.Marshal(sample())
	rep, err := Read(bytes.NewReader(b), 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Findings[0].Vulnerability.Severity; got != High {
		t.Fatalf("severity = %v", got)
	}
	if rep.Findings[0].Key() != "CVE-2022-32149" {
		t.Fatalf("key = %s", rep.Findings[0].Key())
	}
}

func TestReadRejects(t *testing.T) {
	good, _ := json.Marshal(sample())
	for name, tc := range map[string]struct {
		doc   string
		limit int64
		want  string
	}{
		"not json":       {doc: "{", want: "not JSON"},
		"wrong schema":   {doc: strings.Replace(string(good), SchemaID, "vigil.findings/v9", 1), want: `want "vigil.findings/v1"`},
		"bad severity":   {doc: strings.Replace(string(good), `"High"`, `"Severe"`, 1), want: "does not match"},
		"missing field":  {doc: strings.Replace(string(good), `"fingerprint"`, `"fp"`, 1), want: "does not match"},
		"over the limit": {doc: string(good), limit: 10, want: "exceeds size limit"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tc.doc), tc.limit)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	_, err := Read(strings.NewReader(string(good)), 10)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("want ErrTooLarge, got %v", err)
	}
}

func TestFingerprintIgnoresTagAndDigest(t *testing.T) {
	r := sample()
	f := r.Findings[0]
	a2 := r.Asset
	a2.Digest, a2.Tags = "sha256:ffff", []string{"v2"}
	f.Package.Version = "v0.3.6" // a new build with another version is the same finding
	if FingerprintFor("group/app", a2, f) != r.Findings[0].Fingerprint {
		t.Fatal("fingerprint changed with tag/digest/version")
	}
	if FingerprintFor("group/other", a2, f) == r.Findings[0].Fingerprint {
		t.Fatal("fingerprint ignores the project")
	}
	a2.Repository = "registry.example/other"
	if FingerprintFor("group/app", a2, f) == r.Findings[0].Fingerprint {
		t.Fatal("fingerprint ignores the repository")
	}
}

func TestParseSeverity(t *testing.T) {
	for in, want := range map[string]Severity{"critical": Critical, "HIGH": High, " Medium ": Medium, "info": Negligible, "unknown": Unknown} {
		got, err := ParseSeverity(in)
		if err != nil || got != want {
			t.Errorf("ParseSeverity(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseSeverity("severe"); err == nil || !strings.Contains(err.Error(), "want one of") {
		t.Errorf("bad name: %v", err)
	}
}

// FuzzRead: any input is either a valid report or an error, never a panic,
// and whatever is accepted has every finding's required fields.
func FuzzRead(f *testing.F) {
	good, _ := json.Marshal(sample())
	f.Add(good)
	f.Add([]byte(`{"schema":"vigil.findings/v1"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := Read(bytes.NewReader(data), 1<<20)
		if err != nil {
			return
		}
		for _, fd := range rep.Findings {
			if fd.Fingerprint == "" || fd.Vulnerability.ID == "" || fd.Package.Name == "" {
				t.Fatalf("accepted a finding without required fields: %+v", fd)
			}
		}
	})
}
