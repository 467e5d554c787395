package vulndb

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/anchore/grype/grype/distro"
	"github.com/anchore/grype/grype/search"
	"github.com/anchore/grype/grype/vulnerability"
)

func TestBuildFixturesReportsProviders(t *testing.T) {
	dir, built := builtFixtures(t)

	st, err := ReadStatus(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Path != filepath.Join(dir, "6", "vulnerability.db") {
		t.Errorf("path = %s", st.Path)
	}
	if !strings.HasPrefix(st.SchemaVersion, "v6.") {
		t.Errorf("schema version = %q, want v6.x.y", st.SchemaVersion)
	}
	if !st.Built.Equal(built.Built) || time.Since(st.Built) > time.Hour {
		t.Errorf("built = %s, build returned %s", st.Built, built.Built)
	}
	if st.Source != importSourceName {
		t.Errorf("source = %q", st.Source)
	}
	if _, err := os.Stat(filepath.Join(dir, "6", "import.json")); err != nil {
		t.Errorf("grype's import.json missing: %v", err)
	}

	want := map[string]int{
		"debian": 4, // four advisories
		"github": 4, // four GHSAs
		// GO-2022-1059 is covered entirely by its GHSA twin and merged away by
		// grype's builder; the other two keep their stdlib rows
		"govulndb": 2,
		"kev":      1,
		"epss":     4,
	}
	got := map[string]int{}
	for _, p := range st.Providers {
		got[p.Name] = p.Records
		if !p.Captured.Equal(st.Built) {
			t.Errorf("provider %s captured %s, want the build time %s", p.Name, p.Captured, st.Built)
		}
	}
	for name, n := range want {
		if got[name] != n {
			t.Errorf("provider %s has %d records, want %d (all: %v)", name, got[name], n, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("providers = %v, want %v", got, want)
	}
	if st.KEV != 1 || st.EPSS != 4 || st.Vulnerabilities != 10 {
		t.Errorf("kev=%d epss=%d vulnerabilities=%d", st.KEV, st.EPSS, st.Vulnerabilities)
	}
}

func TestFixtureDBMatchesDebianPackages(t *testing.T) {
	dir, _ := builtFixtures(t)
	vp, _, err := Open(context.Background(), OpenOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer vp.Close()
	bookworm := distro.New(distro.Debian, "12", "")

	tests := []struct {
		source   string // Debian source package: grype matches binaries by it
		id       string
		severity string
		state    vulnerability.FixState
		fixes    []string
	}{
		{"openssl", "CVE-2024-0727", "Medium", vulnerability.FixStateFixed, []string{"3.0.13-1~deb12u1"}},
		{"openssl", "CVE-2023-5678", "Medium", vulnerability.FixStateFixed, []string{"3.0.13-1~deb12u1"}},
		{"expat", "CVE-2023-52425", "High", vulnerability.FixStateFixed, []string{"2.5.0-1+deb12u1"}},
		{"tar", "CVE-2005-2541", "Negligible", vulnerability.FixStateNotFixed, nil},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			vulns, err := vp.FindVulnerabilities(search.ByPackageName(tt.source), search.ByDistro(*bookworm), search.ByID(tt.id))
			if err != nil {
				t.Fatal(err)
			}
			if len(vulns) != 1 {
				t.Fatalf("found %d records for %s in %s, want 1", len(vulns), tt.id, tt.source)
			}
			v := vulns[0]
			if v.Metadata == nil || v.Metadata.Severity != tt.severity {
				t.Errorf("severity = %+v, want %s", v.Metadata, tt.severity)
			}
			if v.Fix.State != tt.state || !slices.Equal(v.Fix.Versions, tt.fixes) {
				t.Errorf("fix = %s %v, want %s %v", v.Fix.State, v.Fix.Versions, tt.state, tt.fixes)
			}
			if v.Namespace != "debian:distro:debian:12" {
				t.Errorf("namespace = %q", v.Namespace)
			}
		})
	}
}

func TestFixtureDBGoRecordsCarrySeverityKEVAndEPSS(t *testing.T) {
	dir, _ := builtFixtures(t)
	vp, _, err := Open(context.Background(), OpenOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer vp.Close()

	byID := func(module string) map[string]vulnerability.Vulnerability {
		vulns, err := vp.FindVulnerabilities(search.ByPackageName(module))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]vulnerability.Vulnerability{}
		for _, v := range vulns {
			out[v.ID] = v
		}
		return out
	}

	text := byID("golang.org/x/text")
	ghsa, ok := text["GHSA-69ch-w2m2-3vjp"]
	if !ok {
		t.Fatalf("golang.org/x/text records = %v, want GHSA-69ch-w2m2-3vjp", keys(text))
	}
	if _, dup := text["GO-2022-1059"]; dup {
		t.Errorf("GO-2022-1059 still matches golang.org/x/text beside its GHSA twin")
	}
	if ghsa.Metadata.Severity != "High" || len(ghsa.Metadata.Cvss) == 0 || ghsa.Metadata.Cvss[0].Metrics.BaseScore != 7.5 {
		t.Errorf("GHSA-69ch-w2m2-3vjp metadata = %+v", ghsa.Metadata)
	}
	if !slices.Equal(ghsa.Fix.Versions, []string{"0.3.8"}) {
		t.Errorf("fix = %v", ghsa.Fix.Versions)
	}

	net := byID("golang.org/x/net")
	for _, id := range []string{"GHSA-xrjj-mj9h-534m", "GHSA-qppj-fm5r-hxr3", "GO-2023-2102"} {
		if _, ok := net[id]; !ok {
			t.Errorf("golang.org/x/net records = %v, want %s", keys(net), id)
		}
	}
	if _, ok := net["GO-2022-1144"]; ok {
		t.Errorf("GO-2022-1144 still matches golang.org/x/net beside GHSA-xrjj-mj9h-534m")
	}
	rapid := net["GHSA-qppj-fm5r-hxr3"]
	if rapid.Metadata == nil || len(rapid.Metadata.KnownExploited) != 1 {
		t.Fatalf("GHSA-qppj-fm5r-hxr3 KEV = %+v", rapid.Metadata)
	}
	kev := rapid.Metadata.KnownExploited[0]
	if kev.CVE != "CVE-2023-44487" || kev.DateAdded.Format(time.DateOnly) != "2023-10-10" || kev.DueDate.Format(time.DateOnly) != "2023-10-31" {
		t.Errorf("KEV = %+v", kev)
	}
	if len(rapid.Metadata.EPSS) != 1 || rapid.Metadata.EPSS[0].EPSS != 0.7314 || rapid.Metadata.EPSS[0].Date.Format(time.DateOnly) != "2024-02-15" {
		t.Errorf("EPSS = %+v", rapid.Metadata.EPSS)
	}
	if m := net["GHSA-xrjj-mj9h-534m"].Metadata; m == nil || m.Severity != "Medium" {
		t.Errorf("GHSA-xrjj-mj9h-534m metadata = %+v", m)
	}
}

func keys(m map[string]vulnerability.Vulnerability) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestBuildBadInputLeavesOutUntouched(t *testing.T) {
	good := filepath.Join("..", "..", "testdata", "vulndata")
	tests := []struct {
		name    string
		file    string // relative to the input dir
		content string
		cfg     func(in string) BuildConfig
		wantErr string
	}{
		{
			name: "truncated OSV record", file: "GO-2099-0001.json", content: `{"id": "GO-2099-0001", "affected": [`,
			cfg:     func(in string) BuildConfig { return BuildConfig{OSVDirs: []string{filepath.Join(good, "osv"), in}} },
			wantErr: "GO-2099-0001.json",
		},
		{
			name: "OSV record without id", file: "nameless.json", content: `{"summary": "x"}`,
			cfg:     func(in string) BuildConfig { return BuildConfig{OSVDirs: []string{in}} },
			wantErr: "nameless.json",
		},
		{
			name: "OSV record grype cannot read", file: "GO-2099-0002.json",
			content: `{"id": "GO-2099-0002", "modified": "yesterday", "affected": []}`,
			cfg:     func(in string) BuildConfig { return BuildConfig{OSVDirs: []string{in}} },
			wantErr: "GO-2099-0002.json",
		},
		{
			name: "OS record without namespace", file: "cve.json", content: `{"Vulnerability": {"Name": "CVE-2024-0727"}}`,
			cfg:     func(in string) BuildConfig { return BuildConfig{OSDirs: []string{in}} },
			wantErr: "cve.json",
		},
		{
			name: "GHSA record in an OS directory", file: "ghsa.json",
			content: `{"schema": "` + schemaGHSA + `", "identifier": "x", "item": {}}`,
			cfg:     func(in string) BuildConfig { return BuildConfig{OSDirs: []string{in}} },
			wantErr: "ghsa.json",
		},
		{
			name: "GHSA without id", file: "g.json", content: `{"Advisory": {"namespace": "github:go"}}`,
			cfg:     func(in string) BuildConfig { return BuildConfig{GHSADirs: []string{in}} },
			wantErr: "g.json",
		},
		{
			name: "KEV file that is not a catalog", file: "kev.json", content: `[{"cveID": "CVE-2023-44487"}]`,
			cfg: func(in string) BuildConfig {
				return BuildConfig{OSVDirs: []string{filepath.Join(good, "osv")}, KEVFile: filepath.Join(in, "kev.json")}
			},
			wantErr: "kev.json",
		},
		{
			name: "EPSS file without FIRST's comment line", file: "epss.csv", content: "cve,epss,percentile\nCVE-2023-44487,0.5,0.9\n",
			cfg: func(in string) BuildConfig {
				return BuildConfig{OSVDirs: []string{filepath.Join(good, "osv")}, EPSSFile: filepath.Join(in, "epss.csv")}
			},
			wantErr: "epss.csv",
		},
		{
			name: "EPSS score out of range", file: "epss.csv",
			content: "#model_version:v2023.03.01,score_date:2024-02-15T00:00:00+0000\ncve,epss,percentile\nCVE-2023-44487,7,0.9\n",
			cfg: func(in string) BuildConfig {
				return BuildConfig{OSVDirs: []string{filepath.Join(good, "osv")}, EPSSFile: filepath.Join(in, "epss.csv")}
			},
			wantErr: "line 3",
		},
		{
			name: "same record twice", file: "GO-2022-1059.json", content: mustRead(t, filepath.Join(good, "osv", "GO-2022-1059.json")),
			cfg:     func(in string) BuildConfig { return BuildConfig{OSVDirs: []string{filepath.Join(good, "osv"), in}} },
			wantErr: "go-2022-1059",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := t.TempDir()
			if err := os.WriteFile(filepath.Join(in, tt.file), []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}

			// an existing DB must survive a failed rebuild byte for byte
			out := filepath.Join(t.TempDir(), "db")
			if err := os.MkdirAll(filepath.Join(out, "6"), 0o755); err != nil {
				t.Fatal(err)
			}
			previous := filepath.Join(out, "6", "vulnerability.db")
			if err := os.WriteFile(previous, []byte("previous DB"), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg := tt.cfg(in)
			cfg.Out = out
			_, err := Build(context.Background(), cfg, testLogger(t))
			t.Log(err)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one naming %q", err, tt.wantErr)
			}
			if b, _ := os.ReadFile(previous); string(b) != "previous DB" {
				t.Errorf("previous DB changed to %q", b)
			}
			entries, _ := os.ReadDir(out)
			if len(entries) != 1 || entries[0].Name() != "6" {
				t.Errorf("out holds %v, want only the previous 6/", entries)
			}

			// a new output directory is not left behind
			fresh := filepath.Join(t.TempDir(), "fresh")
			cfg.Out = fresh
			if _, err := Build(context.Background(), cfg, testLogger(t)); err == nil {
				t.Fatal("second build succeeded")
			}
			if _, err := os.Stat(fresh); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("failed build left %s behind (%v)", fresh, err)
			}
		})
	}
}

func TestBuildReplacesAnExistingDB(t *testing.T) {
	out := t.TempDir()
	old := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	cfg := BuildConfig{OSVDirs: []string{filepath.Join(fixtures, "osv")}, Out: out, Now: old}
	if _, err := Build(context.Background(), cfg, testLogger(t)); err != nil {
		t.Fatal(err)
	}
	cfg.Now = old.Add(48 * time.Hour)
	cfg.OSDirs = []string{filepath.Join(fixtures, "os")}
	st, err := Build(context.Background(), cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if !st.Built.Equal(cfg.Now) || st.Vulnerabilities != 7 {
		t.Errorf("after rebuild: built %s with %d vulnerabilities, want %s and 7", st.Built, st.Vulnerabilities, cfg.Now)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 1 {
		t.Errorf("out holds %d entries, want only 6/", len(entries))
	}
}

func TestBuildNeedsInputsAndOut(t *testing.T) {
	if _, err := Build(context.Background(), BuildConfig{Out: t.TempDir()}, nil); err == nil || !strings.Contains(err.Error(), "no inputs") {
		t.Errorf("no inputs: %v", err)
	}
	if _, err := Build(context.Background(), BuildConfig{OSVDirs: []string{"x"}}, nil); err == nil || !strings.Contains(err.Error(), "output") {
		t.Errorf("no out: %v", err)
	}
	if _, err := Build(context.Background(), BuildConfig{OSVDirs: []string{filepath.Join(t.TempDir(), "missing")}, Out: t.TempDir()}, nil); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing input dir: %v", err)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestBuildLeavesOutRecordsGrypeIgnores(t *testing.T) {
	// an OSV record from GitHub's advisory database: grype's builder has no
	// OSV strategy for GHSA ids and would drop it
	in := t.TempDir()
	ghsaOSV := `{"schema_version": "1.4.0", "id": "GHSA-69ch-w2m2-3vjp", "modified": "2023-11-08T04:00:00Z",
		"affected": [{"package": {"ecosystem": "Go", "name": "golang.org/x/text"},
		"ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "0.3.8"}]}]}]}`
	if err := os.WriteFile(filepath.Join(in, "GHSA-69ch-w2m2-3vjp.json"), []byte(ghsaOSV), 0o644); err != nil {
		t.Fatal(err)
	}

	st, err := Build(context.Background(), BuildConfig{OSVDirs: []string{filepath.Join(fixtures, "osv"), in}, Out: t.TempDir()}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if st.Vulnerabilities != 3 {
		t.Errorf("vulnerabilities = %d, want the 3 GO records", st.Vulnerabilities)
	}

	_, err = Build(context.Background(), BuildConfig{OSVDirs: []string{in}, Out: t.TempDir()}, testLogger(t))
	if err == nil || !strings.Contains(err.Error(), "no vulnerability records grype can use") {
		t.Errorf("only ignored records: %v", err)
	}
}
