package pip

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/vigil-vm/vigil/bot/patch"
	"gitlab.com/vigil-vm/vigil/bot/patch/patchtest"
)

func TestRewrite(t *testing.T) {
	for _, tc := range []struct {
		name, in, pkg, to, want string
		hashed                  bool
	}{
		{"plain", "requests==2.25.0\n", "requests", "2.31.0", "requests==2.31.0\n", false},
		{"keeps extras, spacing, markers, comments", "Jinja2[i18n] == 2.11.2 ; python_version >= \"3.8\"  # x\n", "jinja2", "2.11.3", "Jinja2[i18n] == 2.11.3 ; python_version >= \"3.8\"  # x\n", false},
		{"normalised name", "PyYAML==5.3\n", "pyyaml", "5.4", "PyYAML==5.4\n", false},
		{"never downgrades", "requests==2.32.0\n", "requests", "2.31.0", "requests==2.32.0\n", false},
		{"ranges untouched", "requests>=2.0\n", "requests", "2.31.0", "requests>=2.0\n", false},
		{"crlf kept", "requests==2.25.0\r\nflask==1.0\r\n", "requests", "2.31.0", "requests==2.31.0\r\nflask==1.0\r\n", false},
		{"hashes refuse", "requests==2.25.0 \\\n  --hash=sha256:00\n", "requests", "2.31.0", "requests==2.25.0 \\\n  --hash=sha256:00\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, hashed := rewrite([]byte(tc.in), tc.pkg, tc.to)
			if string(out) != tc.want || hashed != tc.hashed {
				t.Errorf("rewrite = %q, %v; want %q, %v", out, hashed, tc.want, tc.hashed)
			}
		})
	}
}

func TestUpdate(t *testing.T) {
	dir := patchtest.Copy(t, "testdata/repo")
	r, err := patch.Apply(context.Background(), New(), dir, patch.Fix{Package: "jinja2", From: "2.11.2", To: "2.11.3"})
	if err != nil || r.Status != patch.Proposed {
		t.Fatalf("Update = %+v, %v", r, err)
	}
	c := r.Change
	if got := patchtest.Keys(c.Files); strings.Join(got, ",") != "requirements.txt,requirements/dev.txt" {
		t.Fatalf("changed files = %v", got)
	}
	orig, _ := os.ReadFile(filepath.Join(dir, "requirements.txt"))
	want := strings.Replace(string(orig), "== 2.11.2", "== 2.11.3", 1)
	if string(c.Files["requirements.txt"]) != want {
		t.Errorf("requirements.txt =\n%s\nwant\n%s", c.Files["requirements.txt"], want)
	}
	if !strings.Contains(string(c.Files["requirements/dev.txt"]), "jinja2==2.11.3\n") {
		t.Errorf("requirements/dev.txt = %s", c.Files["requirements/dev.txt"])
	}

	for _, tc := range []struct {
		fixture, pkg, to string
		status           patch.Status
		reason           string
	}{
		{"testdata/repo", "requests", "2.25.0", patch.Current, ""},
		{"testdata/hashed", "jinja2", "9.9.9", patch.Blocked, "--hash"},
		{"testdata/repo", "django", "9.9.9", patch.Absent, ""},
	} {
		r, err := patch.Apply(context.Background(), New(), patchtest.Copy(t, tc.fixture), patch.Fix{Package: tc.pkg, To: tc.to})
		if err != nil || r.Status != tc.status || !strings.Contains(r.Reason, tc.reason) || (tc.reason == "") != (r.Reason == "") || !r.Change.Empty() {
			t.Errorf("Update(%s, %s) = %+v, %v; want %v %q", tc.fixture, tc.pkg, r, err, tc.status, tc.reason)
		}
	}
}

func FuzzRewrite(f *testing.F) {
	f.Add([]byte("requests==2.25.0\nJinja2[i18n] == 2.11.2 ; python_version >= \"3.8\"\n"))
	f.Add([]byte("a==1 \\\n --hash=sha256:00\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, hashed := rewrite(data, "requests", "99.0")
		if hashed {
			return
		}
		if strings.Count(string(out), "\n") != strings.Count(string(data), "\n") {
			t.Fatalf("line count changed: %q → %q", data, out)
		}
		for _, p := range parse(out) {
			if normalize(p.name) == "requests" && patch.CompareVersions(p.version, "99.0") < 0 {
				t.Fatalf("requests left at %s in %q", p.version, out)
			}
		}
	})
}
