package sbom

import (
	"context"
	"fmt"
	"os"

	stereofile "github.com/anchore/stereoscope/pkg/file"
	stereoimage "github.com/anchore/stereoscope/pkg/image"
	"github.com/anchore/syft/syft"
	"github.com/anchore/syft/syft/cataloging"
	"github.com/anchore/syft/syft/file/cataloger/executable"
	"github.com/anchore/syft/syft/sbom"
	"github.com/anchore/syft/syft/source"
	"github.com/anchore/syft/syft/source/directorysource"
	"github.com/anchore/syft/syft/source/stereoscopesource"

	"gitlab.com/vigil-vm/vigil/ci/image"
)

// Result is an SBOM and the source it describes.
type Result struct {
	SBOM   *sbom.SBOM
	Source source.Description
}

// config is syft's default cataloging as grype's CLI sets it up for matching,
// so that findings agree with the grype CLI on the same image.
func config(tool, version string) *syft.CreateSBOMConfig {
	cfg := syft.DefaultCreateSBOMConfig().WithTool(tool, version)
	// Go symbols let grype drop advisories for functions a binary never links.
	cfg.Packages.Golang = cfg.Packages.Golang.WithCaptureSymbols(cataloging.SymbolScopeAll)
	// A package without a version cannot be matched; drop it early as grype does.
	cfg.Compliance.MissingVersion = cataloging.ComplianceActionDrop
	// Executables' ELF/Mach-O security features appear only in syft JSON and
	// nothing (grype, the reports, the bot) reads them; cataloging them was
	// ~25 MB of live heap on the benchmark image.
	cfg.Files.Executable = executable.Config{}
	// Likewise the sha256 of every file a package owns: only syft JSON
	// carries file digests, and nothing vigil writes or matches reads them
	// (~4% of a cold scan's CPU on the mixed benchmark image).
	cfg.Files.Hashers = nil
	return cfg
}

// FromImage catalogs an image already acquired with package image. Layers
// are read through the v1.Image: nothing is pulled a second time.
func FromImage(ctx context.Context, img *image.Image, tool, version string) (*Result, error) {
	tmp := stereofile.NewTempDirGenerator("vigil")
	defer tmp.Cleanup()
	contentDir, err := tmp.NewDirectory("content")
	if err != nil {
		return nil, fmt.Errorf("scratch directory: %w", err)
	}
	meta := []stereoimage.AdditionalMetadata{stereoimage.WithManifestDigest(img.Digest)}
	if len(img.Tags) > 0 {
		meta = append(meta, stereoimage.WithTags(img.Repository+":"+img.Tags[0]))
	}
	if img.Platform != "" {
		meta = append(meta, stereoimage.WithPlatform(img.Platform))
	}
	// Layers the cache holds uncompressed are handed to stereoscope as
	// they are; the others are verified against their DiffIDs on the way.
	unpacked, err := img.Unpack(contentDir)
	if err != nil {
		return nil, fmt.Errorf("read image %s: %w", img.Input, err)
	}
	defer unpacked.Close()
	simg := stereoimage.New(unpacked.Image, tmp, unpacked.Dir, meta...)
	cfg := config(tool, version)
	// The first scan of a process builds the shared license scanner while
	// the layers are read, so it costs no wall time.
	var scanCtx context.Context
	var scanErr error
	scanner := make(chan struct{})
	go func() {
		scanCtx, scanErr = withLicenseScanner(ctx)
		close(scanner)
	}()
	// Squashed-scope cataloging reads the image's squash (the top layer's);
	// built eagerly, every lower layer's squash is another copy of the
	// tree below it, held until the scan ends.
	err = simg.Read(stereoimage.WithLazyLayerSquashes(ctx))
	<-scanner
	if err != nil {
		return nil, fmt.Errorf("read image %s: %w", img.Input, err)
	}
	defer simg.Cleanup()
	if scanErr != nil {
		return nil, fmt.Errorf("license scanner: %w", scanErr)
	}
	_ = unpacked.Keep() // best effort, like the blob cache: a miss costs a gunzip next time
	ref := img.Repository + "@" + img.Digest
	src := stereoscopesource.New(simg, stereoscopesource.ImageConfig{Reference: ref})
	return create(scanCtx, src, cfg)
}

// FromDir catalogs a directory tree.
func FromDir(ctx context.Context, path, tool, version string) (*Result, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("scan directory: %w", err)
	}
	src, err := directorysource.NewFromPath(path)
	if err != nil {
		return nil, fmt.Errorf("scan directory %s: %w", path, err)
	}
	ctx, err = withLicenseScanner(ctx)
	if err != nil {
		return nil, fmt.Errorf("license scanner: %w", err)
	}
	return create(ctx, src, config(tool, version))
}

func create(ctx context.Context, src source.Source, cfg *syft.CreateSBOMConfig) (*Result, error) {
	defer src.Close()
	s, err := syft.CreateSBOM(ctx, src, cfg)
	if err != nil {
		return nil, fmt.Errorf("catalog packages: %w", err)
	}
	return &Result{SBOM: s, Source: src.Describe()}, nil
}
