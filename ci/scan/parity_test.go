package scan

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"gitlab.com/vigil-vm/vigil/ci/match"
	"gitlab.com/vigil-vm/vigil/ci/vulndb"
)

// TestParityWithGrypeCLI runs the grype CLI v0.121.2 (recorded in go.mod as a
// tool) on the same image and DB and requires the same vulnerability/package
// pairs as vigil's own matching.
func TestParityWithGrypeCLI(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the grype CLI")
	}
	archive := filepath.Join(t.TempDir(), "demo.tar")
	tag, _ := name.NewTag("registry.example/group/demo:1.0")
	if err := tarball.WriteToFile(archive, tag, demoImg); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "tool", "grype", "docker-archive:"+archive, "-o", "json")
	cmd.Dir = root
	cmd.Env = append(os.Environ(),
		"GRYPE_DB_CACHE_DIR="+dbDir, "GRYPE_DB_AUTO_UPDATE=false", "GRYPE_DB_VALIDATE_AGE=false",
		"GRYPE_CHECK_FOR_APP_UPDATE=false")
	cmd.Stderr = os.Stderr
	data, err := cmd.Output()
	if err != nil {
		t.Fatalf("grype CLI: %v", err)
	}
	var doc struct {
		Matches []struct {
			Vulnerability struct{ ID string }
			Artifact      struct{ Name, Version string }
		}
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var theirs []string
	for _, m := range doc.Matches {
		theirs = append(theirs, m.Vulnerability.ID+" "+m.Artifact.Name+" "+m.Artifact.Version)
	}

	o := options(t, "docker-archive:"+archive)
	inv, err := inventory(context.Background(), withDefaults(o))
	if err != nil {
		t.Fatal(err)
	}
	vp, _, err := vulndb.Open(context.Background(), o.DB)
	if err != nil {
		t.Fatal(err)
	}
	defer vp.Close()
	res, err := match.New(vp).Match(context.Background(), inv.sbom.SBOM, &inv.sbom.Source)
	if err != nil {
		t.Fatal(err)
	}
	var ours []string
	for _, m := range res.Matches {
		ours = append(ours, m.Vulnerability.ID+" "+m.Artifact.Name+" "+m.Artifact.Version)
	}
	slices.Sort(theirs)
	slices.Sort(ours)
	theirs, ours = slices.Compact(theirs), slices.Compact(ours)
	if len(ours) < 10 {
		t.Fatalf("too few matches to prove anything: %v", ours)
	}
	if !slices.Equal(ours, theirs) {
		t.Errorf("vigil and grype CLI disagree\nvigil: %v\ngrype: %v", ours, theirs)
	}
	t.Logf("%d vulnerability/package pairs agree", len(ours))
}
