package demo

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"gitlab.com/vigil-vm/vigil/ci/report"
	"gitlab.com/vigil-vm/vigil/ci/sbom"
	"gitlab.com/vigil-vm/vigil/ci/scan"
	"gitlab.com/vigil-vm/vigil/ci/vulndb"
	"gitlab.com/vigil-vm/vigil/internal/demoimage"
)

// Options configure a demo run.
type Options struct {
	Root    string // the vigil repository (holds testdata/)
	WorkDir string // DB and reports; reused between runs
	Out     io.Writer
	Version string
	Log     *slog.Logger
	// Month replays a scripted month after the scan (see month.go): the
	// bot and the GitLab double start a month ago and the ledger's history
	// holds a month of fixes, exceptions and merges for vigil report.
	Month bool
}

// DB builds (or reuses, when younger than a day) the demo vulnerability DB.
func DB(ctx context.Context, root, dir string, log *slog.Logger) (vulndb.Status, error) {
	if st, err := vulndb.ReadStatus(dir); err == nil && time.Since(st.Built) < 24*time.Hour {
		return st, nil
	}
	osv, err := vulndb.GoVulnDB(ctx)
	if err != nil {
		return vulndb.Status{}, err
	}
	vd := filepath.Join(root, "testdata", "vulndata")
	return vulndb.Build(ctx, vulndb.BuildConfig{
		OSVDirs:  []string{osv},
		OSDirs:   []string{filepath.Join(vd, "os")},
		GHSADirs: []string{filepath.Join(vd, "ghsa")},
		KEVFile:  filepath.Join(vd, "kev", "known_exploited_vulnerabilities.json"),
		EPSSFile: filepath.Join(vd, "epss", "epss_scores.csv"),
		Out:      dir,
	}, log)
}

// Registry serves the demo image from an in-process registry on loopback and
// returns its reference; cancel ctx to stop it.
func Registry(ctx context.Context, root string) (string, error) {
	img, err := demoimage.Image(ctx, root)
	if err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("demo registry: %w", err)
	}
	srv := &http.Server{Handler: registry.New(registry.Logger(log.New(io.Discard, "", 0))), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	go func() { <-ctx.Done(); srv.Close() }()
	ref := ln.Addr().String() + "/demo/app:1.0"
	r, err := name.ParseReference(ref)
	if err != nil {
		return "", err
	}
	if err := remote.Write(r, img, remote.WithContext(ctx)); err != nil {
		return "", fmt.Errorf("push demo image: %w", err)
	}
	return ref, nil
}

// Scan builds the DB and the image, scans the image by reference and prints
// the findings table. It returns the scan's outcome for the rest of the loop.
func Scan(ctx context.Context, o Options, progress *scan.Progress) (*scan.Outcome, error) {
	progress.Start("db")
	st, err := DB(ctx, o.Root, filepath.Join(o.WorkDir, "db"), o.Log)
	if err != nil {
		return nil, err
	}
	progress.Done(fmt.Sprintf("%d vulnerabilities, built %s", st.Vulnerabilities, st.Built.Format(time.RFC3339)))
	progress.Start("image")
	ref, err := Registry(ctx, o.Root)
	if err != nil {
		return nil, err
	}
	progress.Done(ref)
	out, err := scan.Run(ctx, scan.Options{
		Target:      ref,
		OutputDir:   filepath.Join(o.WorkDir, "reports"),
		SBOMFormats: []string{sbom.CycloneDX},
		DB:          vulndb.OpenOptions{Dir: filepath.Join(o.WorkDir, "db")},
		Project:     Project,
		Version:     o.Version,
		Progress:    progress,
		Log:         o.Log,
	})
	if err != nil {
		return nil, err
	}
	if err := report.Table(o.Out, out.Report); err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Out, "\nreports in %s\n", filepath.Join(o.WorkDir, "reports"))
	return out, nil
}

// Project is the GitLab project the demo pretends to scan for.
const Project = "demo/app"
