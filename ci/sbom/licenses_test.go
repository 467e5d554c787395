package sbom

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anchore/syft/syft"
	"github.com/anchore/syft/syft/file"
	"github.com/anchore/syft/syft/pkg"
	"github.com/google/licensecheck"
)

// licensesOf runs syft's license builder over text, as the dpkg cataloger
// does for a copyright file, and returns "value/spdx" of each license.
func licensesOf(ctx context.Context, t *testing.T, text string) []string {
	t.Helper()
	loc := file.NewLocation("/usr/share/doc/example/copyright")
	var out []string
	for _, l := range pkg.NewLicensesFromReadCloserWithContext(ctx, file.NewLocationReadCloser(loc, io.NopCloser(strings.NewReader(text)))) {
		out = append(out, l.Value+"/"+l.SPDXExpression)
	}
	return out
}

func scannerContext(t *testing.T, m *LicenseMemo) context.Context {
	t.Helper()
	ctx, err := syft.SetContextLicenseScanner(context.Background(), config("vigil", "test").Licenses)
	if err != nil {
		t.Fatal(err)
	}
	if m != nil && !m.install(ctx) {
		t.Fatal("the license memo could not be installed in syft's license scanner: syft changed its shape, every license text is matched again (see LicenseMemo.install)")
	}
	return ctx
}

// TestLicenseMemoInstalls: licenses found through the memo are those syft
// finds without it, and a second scan that carries the memo matches only
// the texts it has not seen (a changed text is matched, never looked up).
func TestLicenseMemoInstalls(t *testing.T) {
	texts := map[string]string{}
	for _, name := range []string{"MIT", "ISC"} {
		b, err := os.ReadFile(filepath.Join("testdata", name+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		texts[name] = string(b)
	}
	plain := scannerContext(t, nil)
	first := NewLicenseMemo(nil)
	ctx := scannerContext(t, first)
	for _, name := range []string{"MIT", "ISC", "MIT"} {
		got, want := licensesOf(ctx, t, texts[name]), licensesOf(plain, t, texts[name])
		if strings.Join(got, ",") != strings.Join(want, ",") || len(want) != 1 || !strings.HasSuffix(want[0], "/"+name) {
			t.Errorf("%s text through the memo: %v; without it: %v", name, got, want)
		}
	}
	if n := first.Misses(); n != 2 {
		t.Errorf("first scan matched %d texts, want 2 (the MIT text twice is matched once)", n)
	}
	data, changed, err := first.Encode(licenseMemoTestMax)
	if err != nil || !changed {
		t.Fatalf("Encode: changed %v, err %v", changed, err)
	}

	second := NewLicenseMemo(data)
	ctx = scannerContext(t, second)
	var matched []string
	real := second.scan
	second.scan = func(b []byte) licensecheck.Coverage {
		matched = append(matched, string(b))
		return real(b)
	}
	if got := licensesOf(ctx, t, texts["MIT"]); len(got) != 1 || !strings.HasSuffix(got[0], "/MIT") {
		t.Errorf("MIT text from the memo: %v", got)
	}
	changedText := strings.Replace(texts["ISC"], "Permission to use, copy, modify, and/or distribute", "Permission to use and copy", 1)
	got, want := licensesOf(ctx, t, changedText), licensesOf(plain, t, changedText)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("changed ISC text through the memo: %v; without it: %v", got, want)
	}
	if len(matched) != 1 || matched[0] != changedText || second.Misses() != 1 {
		t.Errorf("second scan matched %d texts (misses %d), want only the changed one", len(matched), second.Misses())
	}
	if _, changed, _ := NewLicenseMemo(data).Encode(licenseMemoTestMax); changed {
		t.Error("a memo that learned nothing says it changed: every scan would rewrite it")
	}
}

const licenseMemoTestMax = 100

// TestLicenseMemoBounded: past max entries, only this scan's are kept.
func TestLicenseMemoBounded(t *testing.T) {
	m := NewLicenseMemo([]byte(`{"a":{"Percent":0},"b":{"Percent":0}}`))
	m.scan = func([]byte) licensecheck.Coverage { return licensecheck.Coverage{} }
	m.coverage([]byte("no license here"))
	for max, want := range map[int]int{3: 3, 2: 1} {
		data, _, err := m.Encode(max)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(NewLicenseMemo(data).known); got != want {
			t.Errorf("Encode(%d) kept %d entries, want %d", max, got, want)
		}
	}
	if got := NewLicenseMemo([]byte("not json")).known; len(got) != 0 {
		t.Errorf("undecodable memo read as %v", got)
	}
}
