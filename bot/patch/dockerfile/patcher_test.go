package dockerfile

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/random"

	"gitlab.com/vigil-vm/vigil/bot/patch"
	"gitlab.com/vigil-vm/vigil/bot/patch/patchtest"
	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/registrytest"
)

// testRegistry serves an in-process registry holding random images of
// alpine under the given tags, and returns its host.
func testRegistry(t *testing.T, tags ...string) string {
	t.Helper()
	reg := registrytest.New(t)
	for _, tag := range tags {
		img, err := random.Image(64, 1)
		if err != nil {
			t.Fatal(err)
		}
		reg.Push(t, "library/alpine:"+tag, img)
	}
	return reg.Host
}

// repoWith copies the fixture and points it at the test registry.
func repoWith(t *testing.T, fixture, host string) string {
	t.Helper()
	dir := patchtest.Copy(t, filepath.Join("testdata", fixture))
	p := filepath.Join(dir, "Dockerfile")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(strings.ReplaceAll(string(b), "REGISTRY", host)), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func osFix() patch.Fix {
	fs := []findings.Finding{
		{Vulnerability: findings.Vulnerability{ID: "CVE-2024-0727"}, Package: findings.Package{Name: "libcrypto3", Version: "3.1.4-r2", Type: "apk"}, Fix: findings.Fix{State: findings.FixAvailable, Versions: []string{"3.1.4-r5"}}},
		{Vulnerability: findings.Vulnerability{ID: "CVE-2024-2511"}, Package: findings.Package{Name: "libssl3", Version: "3.1.4-r2", Type: "apk"}, Fix: findings.Fix{State: findings.FixAvailable, Versions: []string{"3.1.4-r6"}}},
	}
	return patch.Fix{Ecosystem: "dockerfile", Package: "base-image", Findings: fs}
}

func TestUpdate(t *testing.T) {
	host := testRegistry(t, "3.19", "3.19.0", "3.19.1", "3.19.2", "3.19.4", "3.20.0", "latest")
	var asked []string
	verifier := func(after map[string]int) Verifier {
		return VerifierFunc(func(_ context.Context, current, candidate string, claimed []findings.Finding) (int, int, error) {
			asked = append(asked, current+" → "+candidate)
			return len(claimed), after[candidate], nil
		})
	}
	cand := host + "/library/alpine:3.19.4"
	for _, tc := range []struct {
		name     string
		opts     Options
		wantFrom string // the new FROM line, or "" when skipped
		wantNote string
	}{
		{"verified", Options{Verifier: verifier(map[string]int{cand: 0})}, "FROM " + cand + " AS run\n", "from 2 to 0"},
		{"candidate still vulnerable", Options{Verifier: verifier(map[string]int{cand: 2})}, "", "does not fix these findings yet"},
		{"unverified", Options{}, "FROM " + cand + " AS run\n", "not scanned"},
		{"digest pinned", Options{PinDigest: true}, "FROM " + cand + "@sha256:", "not scanned"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			asked = nil
			r, err := patch.Apply(context.Background(), New(tc.opts), repoWith(t, "multistage", host), osFix())
			if err != nil {
				t.Fatal(err)
			}
			c := r.Change
			if tc.wantFrom == "" {
				if r.Status != patch.Blocked || !c.Empty() || !strings.Contains(r.Reason, tc.wantNote) {
					t.Errorf("Update = %+v, want blocked with %q", r, tc.wantNote)
				}
				return
			}
			df := string(c.Files["Dockerfile"])
			if !strings.Contains(df, tc.wantFrom) || !strings.Contains(df, "ARG GO_VERSION=1.22.3\n") {
				t.Errorf("Dockerfile =\n%s\nwant %q, builder untouched", df, tc.wantFrom)
			}
			if c.Package != host+"/library/alpine" || c.From != "3.19.1" || c.To != "3.19.4" {
				t.Errorf("bump = %s %s → %s", c.Package, c.From, c.To)
			}
			if !strings.Contains(strings.Join(c.Checks, "\n"), tc.wantNote) {
				t.Errorf("checks = %q, want %q", c.Checks, tc.wantNote)
			}
			if len(c.Versions) != 1 || c.Versions[0].From != "3.19.1" || c.Versions[0].To != "3.19.4" {
				t.Errorf("versions = %+v, want the image tag 3.19.1 → 3.19.4", c.Versions)
			}
			if tc.opts.Verifier != nil && (len(asked) != 1 || !strings.HasSuffix(asked[0], "3.19.4")) {
				t.Errorf("verifier asked %v, want only the newest candidate", asked)
			}
		})
	}
}

// Whatever a person must wait for or do is said; a repository with no
// Dockerfile (the OS packages come from elsewhere) is silent.
func TestUpdateDoesNotPropose(t *testing.T) {
	host := testRegistry(t, "3.19.1", "3.20.0")
	r, err := patch.Apply(context.Background(), New(Options{}), repoWith(t, "multistage", host), osFix())
	if err != nil || r.Status != patch.Blocked || !strings.Contains(r.Reason, "no newer tag of the 3.19.1 line") {
		t.Errorf("Update = %+v, %v; want blocked: no newer tag", r, err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM "+host+"/library/alpine:3.19\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err = patch.Apply(context.Background(), New(Options{}), dir, osFix())
	if err != nil || r.Status != patch.Blocked || !strings.Contains(r.Reason, "floating tag") {
		t.Errorf("Update = %+v, %v; want blocked: floating tag", r, err)
	}
	r, err = patch.Apply(context.Background(), New(Options{}), t.TempDir(), osFix())
	if err != nil || r.Status != patch.Absent || r.Reason != "" {
		t.Errorf("Update without a Dockerfile = %+v, %v; want absent and silent", r, err)
	}
}
