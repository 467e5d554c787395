package npm

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/vigil-vm/vigil/bot/patch"
	"gitlab.com/vigil-vm/vigil/bot/patch/patchtest"
)

func TestSetDependency(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"caret kept", `{"dependencies": {"minimist": "^1.2.5", "other": "1.0.0"}}`, `{"dependencies": {"minimist": "^1.2.6", "other": "1.0.0"}}`},
		{"exact", "{\n  \"devDependencies\": {\n    \"minimist\": \"1.2.5\"\n  }\n}\n", "{\n  \"devDependencies\": {\n    \"minimist\": \"1.2.6\"\n  }\n}\n"},
		{"other packages untouched", `{"dependencies": {"minimist-x": "1.2.5"}}`, `{"dependencies": {"minimist-x": "1.2.5"}}`},
		{"overrides untouched", `{"overrides": {"minimist": "1.2.5"}}`, `{"overrides": {"minimist": "1.2.5"}}`},
		{"odd range", `{"dependencies": {"minimist": "1.x"}}`, `{"dependencies": {"minimist": "^1.2.6"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := setDependency([]byte(tc.in), "minimist", func(old string) string { return bumpSpec(old, "1.2.6") })
			if err != nil || string(out) != tc.want {
				t.Errorf("setDependency = %s, %v; want %s", out, err, tc.want)
			}
		})
	}
}

func TestSetOverride(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"new block", "{\n  \"name\": \"x\"\n}\n", "{\n  \"name\": \"x\",\n  \"overrides\": {\n    \"minimist\": \"1.2.6\"\n  }\n}\n"},
		{"tabs", "{\n\t\"name\": \"x\"\n}", "{\n\t\"name\": \"x\",\n\t\"overrides\": {\n\t\t\"minimist\": \"1.2.6\"\n\t}\n}"},
		{"existing block", "{\n  \"overrides\": {\n    \"a\": \"1.0.0\"\n  }\n}", "{\n  \"overrides\": {\n    \"a\": \"1.0.0\",\n    \"minimist\": \"1.2.6\"\n  }\n}"},
		{"existing entry", `{"overrides": {"minimist": "1.2.5"}}`, `{"overrides": {"minimist": "1.2.6"}}`},
		{"empty object", `{}`, "{\n  \"overrides\": {\n    \"minimist\": \"1.2.6\"\n  }\n}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := setOverride([]byte(tc.in), "minimist", "1.2.6")
			if err != nil || string(out) != tc.want {
				t.Errorf("setOverride = %q, %v; want %q", out, err, tc.want)
			}
		})
	}
	if _, err := setOverride([]byte(`{"overrides": {"minimist": {".": "1.0.0"}}}`), "minimist", "1.2.6"); err == nil {
		t.Error("nested override rewritten; want an error")
	}
}

// TestUpdate runs the real npm against the npm registry (or npm's cache).
func TestUpdate(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("no npm command")
	}
	for _, tc := range []struct {
		fixture, wantManifest, wantNote string
	}{
		{"direct", `"minimist": "1.2.6"`, ""},
		{"transitive", "\"overrides\": {\n    \"minimist\": \"1.2.6\"\n  }", "transitive"},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			dir := patchtest.Copy(t, "testdata/"+tc.fixture)
			r, err := patch.Apply(context.Background(), New(Options{}), dir, patch.Fix{Ecosystem: "npm", Package: "minimist", From: "1.2.5", To: "1.2.6"})
			if err != nil || r.Status != patch.Proposed {
				t.Fatalf("Update = %+v, %v", r, err)
			}
			c := r.Change
			if !strings.Contains(string(c.Files["package.json"]), tc.wantManifest) {
				t.Errorf("package.json =\n%s\nwant %s", c.Files["package.json"], tc.wantManifest)
			}
			var l lockfile
			if err := json.Unmarshal(c.Files["package-lock.json"], &l); err != nil {
				t.Fatalf("package-lock.json: %v", err)
			}
			if got := l.Packages["node_modules/minimist"].Version; got != "1.2.6" {
				t.Errorf("lock installs minimist %s, want 1.2.6", got)
			}
			if got := strings.Join(c.Notes, "\n"); !strings.Contains(got, tc.wantNote) || (tc.wantNote == "") != (got == "") {
				t.Errorf("notes = %q, want %q", got, tc.wantNote)
			}
			if len(c.Versions) == 0 || c.Versions[0].Name != "minimist" || c.Versions[0].From != "1.2.5" || c.Versions[0].To != "1.2.6" {
				t.Errorf("versions = %+v, want minimist 1.2.5 → 1.2.6", c.Versions)
			}
			if len(c.Checks) != 1 || !strings.Contains(c.Checks[0], "npm ci") {
				t.Errorf("checks = %q, want the npm ci check", c.Checks)
			}
			// What the project's CI does with the merge request: a real
			// npm ci of its files on a clean copy.
			clean := patchtest.Copy(t, "testdata/"+tc.fixture)
			for p, b := range c.Files {
				if err := os.WriteFile(filepath.Join(clean, p), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			ci := exec.Command("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund")
			ci.Dir = clean
			if out, err := ci.CombinedOutput(); err != nil {
				t.Errorf("npm ci on the merge request's files: %v\n%s", err, out)
			}
		})
	}
	for _, fx := range []string{"direct", "transitive"} {
		r, err := patch.Apply(context.Background(), New(Options{}), patchtest.Copy(t, "testdata/"+fx), patch.Fix{Package: "minimist", To: "1.2.5"})
		if err != nil || r.Status != patch.Current || !r.Change.Empty() {
			t.Errorf("Update(%s, minimist 1.2.5) = %+v, %v; want current", fx, r, err)
		}
	}
	r, err := patch.Apply(context.Background(), New(Options{}), patchtest.Copy(t, "testdata/direct"), patch.Fix{Package: "left-pad", To: "1.3.0"})
	if err != nil || r.Status != patch.Absent || r.Reason != "" {
		t.Errorf("Update(left-pad) = %+v, %v; want absent and silent", r, err)
	}
}

func FuzzSetOverride(f *testing.F) {
	f.Add([]byte(`{"name": "x", "overrides": {"a": "1"}}`))
	f.Add([]byte("{\n  \"dependencies\": {\"minimist\": \"^1.2.5\"}\n}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := setOverride(data, "minimist", "1.2.6")
		if err != nil {
			return
		}
		var v struct {
			Overrides map[string]any `json:"overrides"`
		}
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("edited package.json is not JSON: %v\n%s", err, out)
		}
		if v.Overrides["minimist"] != "1.2.6" {
			t.Fatalf("override missing in %s", out)
		}
		out2, _, err := setDependency(data, "minimist", func(string) string { return "1.2.6" })
		if err == nil && !json.Valid(out2) {
			t.Fatalf("setDependency broke JSON: %s", out2)
		}
	})
}
