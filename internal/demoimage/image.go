package demoimage

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Epoch is every file's mtime and the config's creation time: the same
// sources give the same digest.
var Epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// Image builds the demo image from the repository at root (the directory
// holding testdata/). It compiles testdata/vulnapp with the real go command.
func Image(ctx context.Context, root string) (v1.Image, error) {
	osLayer, err := dirLayer(filepath.Join(root, "testdata", "rootfs"))
	if err != nil {
		return nil, fmt.Errorf("build os layer: %w", err)
	}
	bin, err := BuildApp(ctx, root)
	if err != nil {
		return nil, err
	}
	appLayer, err := filesLayer(map[string][]byte{"usr/local/bin/vulnapp": bin})
	if err != nil {
		return nil, fmt.Errorf("build app layer: %w", err)
	}
	img, err := mutate.AppendLayers(empty.Image, osLayer, appLayer)
	if err != nil {
		return nil, err
	}
	return Configure(img, "/usr/local/bin/vulnapp", map[string]string{"org.opencontainers.image.title": "vigil demo (deliberately vulnerable)"})
}

// Configure gives img a reproducible linux/amd64 config running
// entrypoint: created at Epoch, with these labels.
func Configure(img v1.Image, entrypoint string, labels map[string]string) (v1.Image, error) {
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", "amd64"
	cfg.Created = v1.Time{Time: Epoch}
	cfg.Config.Entrypoint = []string{entrypoint}
	cfg.Config.Labels = labels
	return mutate.ConfigFile(img, cfg)
}

// BuildApp compiles the vulnerable demo program and returns the binary.
func BuildApp(ctx context.Context, root string) ([]byte, error) {
	src := filepath.Join(root, "testdata", "vulnapp")
	if _, err := os.Stat(filepath.Join(src, "go.mod")); err != nil {
		return nil, fmt.Errorf("demo sources not found in %s (run from the vigil repository root): %w", src, err)
	}
	// A directory of its own: tests of one process build it concurrently.
	dir, err := os.MkdirTemp("", "vigil-vulnapp-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "vulnapp")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-buildid=", "-o", out, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOFLAGS=-mod=mod", "GOWORK=off")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build demo app: %w: %s", err, msg)
	}
	return os.ReadFile(out)
}

func dirLayer(dir string) (v1.Layer, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		return nil, err
	}
	return filesLayer(files)
}

func filesLayer(files map[string][]byte) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		mode := int64(0o644)
		if filepath.Dir(name) == "usr/local/bin" {
			mode = 0o755
		}
		hdr := &tar.Header{Name: name, Mode: mode, Size: int64(len(files[name])), ModTime: Epoch, Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(files[name]); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	// Compressed once: every push, digest and archive of the image reads
	// the compressed bytes, which go-containerregistry would gzip again.
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, tarball.WithCompressedCaching)
}
