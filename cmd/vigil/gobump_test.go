package main

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/crane"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"gitlab.com/vigil-vm/vigil/bot/patch"
	"gitlab.com/vigil-vm/vigil/bot/patch/gomod"
	"gitlab.com/vigil-vm/vigil/ci/verify"
	"gitlab.com/vigil-vm/vigil/ci/vulndb"
	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/registrytest"
)

// The Go merge request of the patch engine, proved the way vigil proves a
// base image: a small service nobody here wrote (gin v1.6.0, 2020 x/net
// and x/crypto, `go 1.21`) is patched by gomod, rebuilt from the change's
// go.mod and go.sum alone, and scanned with grype and the real Go
// vulnerability database; every finding the x/net merge request claims,
// and the x/crypto one its go get fixed along the way, is gone.
// It lives with the composition root, the one package that may import both
// the patcher and the scanner.
func TestVerifyGoModuleBump(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("fetches modules and the Go vulnerability database")
	}
	ctx := context.Background()
	osv, err := vulndb.GoVulnDB(ctx)
	if err != nil {
		t.Skipf("the Go vulnerability database is out of reach: %v", err)
	}
	// The two records the claims are about: enough for the matcher, and
	// the DB builds in a blink.
	records := t.TempDir()
	for _, id := range []string{"GO-2025-3595", "GO-2024-3321"} {
		b, err := os.ReadFile(filepath.Join(osv, id+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(records, id+".json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db := t.TempDir()
	if _, err := vulndb.Build(ctx, vulndb.BuildConfig{OSVDirs: []string{records}, Out: db}, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}

	service := copyDir(t, "../../bot/patch/gomod/testdata/gin")
	before := buildImage(t, service)
	fix := patch.Fix{Ecosystem: "gomod", Package: "golang.org/x/net", From: "v0.0.0-20200822124328-c89045814202", To: "0.38.0"}
	r, err := patch.Apply(ctx, gomod.New(gomod.Options{}), service, fix)
	if err != nil || r.Status != patch.Proposed {
		t.Fatalf("Apply = %v %q, %v", r.Status, r.Reason, err)
	}
	clean := copyDir(t, "../../bot/patch/gomod/testdata/gin")
	for p, b := range r.Change.Files {
		if err := os.WriteFile(filepath.Join(clean, filepath.FromSlash(p)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	after := buildImage(t, clean)

	reg := registrytest.New(t)
	host := reg.Host
	reg.Push(t, "svc:before", before)
	reg.Push(t, "svc:after", after)
	claimed := []findings.Finding{
		{Vulnerability: findings.Vulnerability{ID: "GO-2025-3595", Aliases: []string{"CVE-2025-22872"}}, Package: findings.Package{Name: "golang.org/x/net"}},
		{Vulnerability: findings.Vulnerability{ID: "GO-2024-3321", Aliases: []string{"CVE-2024-45337"}}, Package: findings.Package{Name: "golang.org/x/crypto"}},
	}
	v := &verify.Verifier{DB: vulndb.OpenOptions{Dir: db}}
	defer v.Close()
	n0, n1, err := v.Verify(ctx, host+"/svc:before", host+"/svc:after", claimed)
	if err != nil {
		t.Fatal(err)
	}
	if n0 != 2 || n1 != 0 {
		t.Errorf("claimed findings: %d in the service, %d after the merge request; want 2 → 0", n0, n1)
	}
}

// buildImage builds the service from its committed files only, as its CI
// would, into a one-layer image.
func buildImage(t *testing.T, dir string) v1.Image {
	t.Helper()
	out := filepath.Join(t.TempDir(), "server")
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOWORK=off", "GOTOOLCHAIN=local", "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	bin, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	layer, err := crane.Layer(map[string][]byte{"app/server": bin})
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	return img
}

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}
