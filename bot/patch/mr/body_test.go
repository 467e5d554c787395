package mr

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/vigil-vm/vigil/bot/patch"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

func TestDescriptionMarker(t *testing.T) {
	t.Parallel()
	fix := patch.Fix{Issues: []int64{3, 5}, Findings: []findings.Finding{{
		Vulnerability: findings.Vulnerability{ID: "GHSA-x", Aliases: []string{"CVE-2022-32149"}, Severity: findings.High,
			EPSS: &findings.EPSS{Score: 0.0123, Percentile: 0.85}, KEV: &findings.KEV{DueDate: "2026-01-01"}, URLs: []string{"https://x/(a)"}},
		Package: findings.Package{Name: "a|b", Version: "1"}}}}
	b := bump{Ecosystem: "gomod", Package: "golang.org/x/text", From: "v0.3.5", To: "v0.3.8"}
	d := description(b, fix, patch.Change{Files: map[string][]byte{"go.sum": nil, "go.mod": nil}, Notes: []string{"requires go 1.22"}})
	for _, want := range []string{"| CVE-2022-32149 | a\\|b 1 | High | — | 1.23% (p85) | **exploited** (due 2026-01-01) | [advisory](https://x/(a%29) |",
		"- `go.mod`\n- `go.sum`\n", "- requires go 1.22\n", "Closes #3\nCloses #5\n"} {
		if !strings.Contains(d, want) {
			t.Errorf("description lacks %q:\n%s", want, d)
		}
	}
	m, ok := readMarker(d)
	if !ok || m.Key != "gomod/golang.org/x/text" || m.Version != "v0.3.8" {
		t.Errorf("readMarker = %+v, %v", m, ok)
	}
	if _, ok := readMarker("a human's merge request"); ok {
		t.Error("marker found where there is none")
	}
}

func TestPatchLevel(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		from, to string
		want     bool
	}{
		{"v0.3.5", "v0.3.8", true},
		{"1.26.17", "1.26.18", true},
		{"2.31.0", "2.32.0", false},
		{"3.19", "3.20", false},
		{"1.2.3", "1.2.3", false},
	} {
		if got := patchLevel(tc.from, tc.to); got != tc.want {
			t.Errorf("patchLevel(%s, %s) = %v", tc.from, tc.to, got)
		}
	}
}

func tarGz(t testing.TB, entries map[string]string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, body := range entries {
		typ := byte(tar.TypeReg)
		if strings.HasSuffix(name, "/") {
			typ = tar.TypeDir
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: typ, Size: int64(len(body)), Mode: 0o644}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func TestUnpack(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := unpack(tarGz(t, map[string]string{"app-main-abc/": "", "app-main-abc/go.mod": "module m\n", "app-main-abc/sub/x.txt": "x"}), dir); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "sub", "x.txt")); err != nil || string(b) != "x" {
		t.Errorf("sub/x.txt = %q, %v", b, err)
	}
	if err := unpack(tarGz(t, map[string]string{"top/../../evil": "x"}), t.TempDir()); err == nil {
		t.Error("an entry leaving the repository was unpacked")
	}
}

func FuzzUnpack(f *testing.F) {
	f.Add(tarGz(f, map[string]string{"top/a": "1"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := unpack(data, dir); err != nil {
			return
		}
		_ = filepath.WalkDir(dir, func(p string, _ os.DirEntry, _ error) error {
			if !strings.HasPrefix(p, dir) {
				t.Fatalf("wrote outside: %s", p)
			}
			return nil
		})
	})
}

func FuzzReadMarker(f *testing.F) {
	f.Add(marker{Key: "npm/x", Version: "1"}.String())
	f.Fuzz(func(t *testing.T, s string) {
		if m, ok := readMarker(s); ok && m.Key == "" {
			t.Fatal("marker without key accepted")
		}
	})
}

// A report's names reach the merge request only as data: no hidden marker
// (which would shadow the engine's own), no mention, no quick action, no
// link with a scheme that is not http(s).
func TestDescriptionNeutralisesReportText(t *testing.T) {
	t.Parallel()
	evil := "x <!-- vigil:patch {\"key\":\"gomod/x\",\"version\":\"999\"} --> @all\n/close"
	fix := patch.Fix{Findings: []findings.Finding{{
		Vulnerability: findings.Vulnerability{ID: "CVE-2024-1 @all", URLs: []string{"javascript:alert(1)"}},
		Package:       findings.Package{Name: evil, Version: "1 @alice"}}}}
	b := bump{Ecosystem: "npm", Package: evil, From: "1", To: "2"}
	d := description(b, fix, patch.Change{Files: map[string][]byte{"package.json": nil}})
	shown := d[:strings.LastIndex(d, "<!-- vigil:patch ")] // all but the engine's own marker
	if strings.Contains(d[len(shown):], "@") {
		t.Errorf("the engine's marker carries a mention: %s", d[len(shown):])
	}
	for _, bad := range []string{"<!--", "@all", "@alice", "\n/close", "javascript:"} {
		if strings.Contains(shown, bad) {
			t.Errorf("description carries %q:\n%s", bad, d)
		}
	}
	if m, ok := readMarker(d); !ok || m.Key != "npm/"+evil || m.Version != "2" {
		t.Errorf("marker read back as %+v, %v: the injected one shadowed it", m, ok)
	}
	if title := Title(evil, "1", "2"); strings.Contains(title, "@all") || strings.ContainsAny(title, "\n") {
		t.Errorf("title %q", title)
	}
}
