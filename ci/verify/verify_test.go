package verify

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"gitlab.com/vigil-vm/vigil/ci/image"
	"gitlab.com/vigil-vm/vigil/ci/vulndb"
	"gitlab.com/vigil-vm/vigil/ci/vulndb/vulndbtest"
	"gitlab.com/vigil-vm/vigil/internal/demoimage"
	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/registrytest"
)

// A candidate base image that ships the fixed openssl verifies as removing
// the openssl findings; the current one still has them.
func TestVerifyBaseImageBump(t *testing.T) {
	ctx := context.Background()
	root, _ := filepath.Abs("../..")
	db := t.TempDir()
	// OS advisories only: the verdict is about the openssl findings alone.
	if _, err := vulndb.Build(ctx, vulndb.BuildConfig{OSDirs: []string{filepath.Join(vulndbtest.Records(), "os")}, Out: db}, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	current, err := demoimage.Image(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	status, err := os.ReadFile(filepath.Join(root, "testdata", "rootfs", "var", "lib", "dpkg", "status"))
	if err != nil {
		t.Fatal(err)
	}
	fixed := strings.ReplaceAll(string(status), "Version: 3.0.11-1~deb12u2", "Version: 3.0.13-1~deb12u1")
	layer, err := crane.Layer(map[string][]byte{"var/lib/dpkg/status": []byte(fixed)})
	if err != nil {
		t.Fatal(err)
	}
	candidate, err := mutate.AppendLayers(current, layer)
	if err != nil {
		t.Fatal(err)
	}
	reg := registrytest.New(t)
	host := reg.Host
	reg.Push(t, "base:12.1", current)
	reg.Push(t, "base:12.2", candidate)

	claimed := []findings.Finding{
		{Vulnerability: findings.Vulnerability{ID: "CVE-2024-0727"}, Package: findings.Package{Name: "libssl3"}},
		{Vulnerability: findings.Vulnerability{ID: "CVE-2024-0727"}, Package: findings.Package{Name: "openssl"}},
		{Vulnerability: findings.Vulnerability{ID: "CVE-2023-5678"}, Package: findings.Package{Name: "libssl3"}},
	}
	v := &Verifier{DB: vulndb.OpenOptions{Dir: db}, Image: image.Options{CacheDir: t.TempDir()}}
	defer v.Close()
	before, after, err := v.Verify(ctx, host+"/base:12.1", host+"/base:12.2", claimed)
	if err != nil {
		t.Fatal(err)
	}
	if before != 3 || after != 0 {
		t.Errorf("before %d after %d, want 3 → 0", before, after)
	}
	// A candidate that does not fix them is seen as such.
	if _, after, err := v.Verify(ctx, host+"/base:12.1", host+"/base:12.1", claimed); err != nil || after != 3 {
		t.Errorf("unfixed candidate: after %d, err %v", after, err)
	}
	if _, _, err := v.Verify(ctx, host+"/base:12.1", host+"/base:nope", claimed); err == nil {
		t.Error("a missing candidate verified")
	}
}
