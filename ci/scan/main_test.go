package scan

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"gitlab.com/vigil-vm/vigil/ci/vulndb"
	"gitlab.com/vigil-vm/vigil/ci/vulndb/vulndbtest"
	"gitlab.com/vigil-vm/vigil/internal/demoimage"
	"gitlab.com/vigil-vm/vigil/internal/registrytest"
)

// Shared by every test in the package: built once, they are the slow part.
var (
	root    string   // repository root
	dbDir   string   // the whole Go vulndb plus testdata/vulndata
	demoImg v1.Image // the demo image
	demoRef string   // the demo image in an in-process registry
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	root, _ = filepath.Abs("../..")
	tmp, err := os.MkdirTemp("", "vigil-scan-test-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)

	dbDir = filepath.Join(tmp, "db")
	if err := buildDB(ctx, dbDir); err != nil {
		log.Fatal(err)
	}
	if demoImg, err = demoimage.Image(ctx, root); err != nil {
		log.Fatal(err)
	}
	reg := registrytest.Start()
	defer reg.Close()
	if demoRef, err = reg.Write("group/demo:1.0", demoImg); err != nil {
		log.Fatal(err)
	}
	return m.Run()
}

// buildDB builds the DB the README's demo uses: the real Go vulnerability
// database plus the hand-written OS, GHSA, KEV and EPSS records.
func buildDB(ctx context.Context, out string) error {
	osv, err := vulndb.GoVulnDB(ctx)
	if err != nil {
		return err
	}
	cfg := vulndbtest.Config(out)
	cfg.OSVDirs = []string{osv} // the real Go records instead of the hand-written few
	_, err = vulndb.Build(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return fmt.Errorf("build test DB: %w", err)
	}
	return nil
}
