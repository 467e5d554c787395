package main

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"gitlab.com/vigil-vm/vigil/internal/demoimage"
)

// debianPackages are installed on top of debootstrap's minbase: what a
// typical application base image carries.
var debianPackages = []string{
	"ca-certificates", "curl", "wget", "openssl", "git", "perl", "python3", "python3-pip",
	"libxml2", "libsqlite3-0", "openssh-client", "gnupg", "procps", "less", "tzdata", "xz-utils",
}

// largeImage builds the benchmark image under work: a Debian bookworm root
// filesystem, real Go binaries and a real node_modules tree. Each part is
// built once and reused; the layers are written deterministically.
func largeImage(ctx context.Context, root, work string, bins map[string]string, log *slog.Logger) (v1.Image, error) {
	rootfs, err := debootstrap(ctx, filepath.Join(work, "rootfs"), debianPackages, log)
	if err != nil {
		return nil, err
	}
	app, err := npmTree(ctx, root, work, log)
	if err != nil {
		return nil, err
	}
	vulnappPath, err := goBinary(ctx, root, work, "")
	if err != nil {
		return nil, err
	}

	return layeredImage(work, []layerSpec{
		{"rootfs", []entry{{src: rootfs, dst: ""}}},
		{"gobin", []entry{
			{src: bins["vigil"], dst: "usr/local/bin/vigil"},
			{src: bins["syft"], dst: "usr/local/bin/syft"},
			{src: vulnappPath, dst: "usr/local/bin/vulnapp"},
		}},
		{"node", []entry{{src: app, dst: "app"}}},
	}, "/usr/local/bin/vigil")
}

// layerSpec is one layer of a benchmark image: files written into it.
type layerSpec struct {
	name  string
	files []entry
}

// layeredImage writes each layer as a deterministic tar under work/layers
// and stacks them into an image.
func layeredImage(work string, layers []layerSpec, entrypoint string) (v1.Image, error) {
	img := empty.Image
	for _, l := range layers {
		path := filepath.Join(work, "layers", l.name+".tar")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		if err := writeTar(path, l.files); err != nil {
			return nil, fmt.Errorf("layer %s: %w", l.name, err)
		}
		layer, err := tarball.LayerFromFile(path)
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", l.name, err)
		}
		if img, err = mutate.AppendLayers(img, layer); err != nil {
			return nil, err
		}
	}
	return demoimage.Configure(img, entrypoint, nil)
}

// debootstrap installs a Debian bookworm minbase with pkgs into dir, once.
func debootstrap(ctx context.Context, dir string, pkgs []string, log *slog.Logger) (string, error) {
	if _, err := os.Stat(filepath.Join(dir, "var/lib/dpkg/status")); err == nil {
		return dir, nil
	}
	log.Info("debootstrap bookworm", "dir", dir)
	os.RemoveAll(dir)
	cmd := exec.CommandContext(ctx, "debootstrap", "--variant=minbase", "--include="+strings.Join(pkgs, ","),
		"bookworm", dir, "http://deb.debian.org/debian")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("debootstrap (needs root and the debootstrap package): %w\n%s", err, tail(out))
	}
	return dir, nil
}

// npmTree is `npm ci` of bench/npm under work/npm, once.
func npmTree(ctx context.Context, root, work string, log *slog.Logger) (string, error) {
	app := filepath.Join(work, "npm")
	if _, err := os.Stat(filepath.Join(app, "node_modules")); err == nil {
		return app, nil
	}
	log.Info("npm ci", "dir", app)
	if err := os.MkdirAll(app, 0o755); err != nil {
		return "", err
	}
	for _, f := range []string{"package.json", "package-lock.json"} {
		b, err := os.ReadFile(filepath.Join(root, "bench", "npm", f))
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(app, f), b, 0o644); err != nil {
			return "", err
		}
	}
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts")
	cmd.Dir = app
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("npm ci: %w\n%s", err, tail(out))
	}
	return app, nil
}

// goBinary compiles the demo's vulnerable Go program as demoimage does;
// a buildID makes another binary of the same program, as a rebuild of the
// application does. It returns the binary's path under work.
func goBinary(ctx context.Context, root, work, buildID string) (string, error) {
	if buildID == "" {
		bin, err := demoimage.BuildApp(ctx, root)
		if err != nil {
			return "", err
		}
		path := filepath.Join(work, "vulnapp")
		return path, os.WriteFile(path, bin, 0o755)
	}
	path := filepath.Join(work, "vulnapp-"+buildID)
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-buildid="+buildID, "-o", path, ".")
	cmd.Dir = filepath.Join(root, "testdata", "vulnapp")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build vulnapp: %w\n%s", err, tail(out))
	}
	return path, nil
}

// writeLayout writes img as an OCI image layout (the artifact a user could
// copy elsewhere; the registry is filled from it).
func writeLayout(dir string, img v1.Image) error {
	os.RemoveAll(dir)
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return fmt.Errorf("write OCI layout: %w", err)
	}
	if err := p.AppendImage(img); err != nil {
		return fmt.Errorf("write OCI layout: %w", err)
	}
	return nil
}

// smallImage is the demo image of the README.
func smallImage(ctx context.Context, root string) (v1.Image, error) {
	return demoimage.Image(ctx, root)
}

// entry puts src (a file or a directory tree) at dst in a layer, less the
// paths under src named in skip (each ending in "/").
type entry struct {
	src, dst string
	skip     []string
}

// writeTar writes entries as an uncompressed tar with sorted names, one
// mtime and no user names, skipping what a container runtime provides.
func writeTar(path string, entries []entry) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	for _, e := range entries {
		if err := addTree(tw, e.src, e.dst, e.skip); err != nil {
			f.Close()
			return err
		}
	}
	if err := tw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func addTree(tw *tar.Writer, src, dst string, skipAlso []string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(filepath.Join(dst, rel))
		if name == "." || name == "" {
			return nil
		}
		for _, skip := range append([]string{"proc/", "sys/", "dev/", "var/cache/apt/archives/", "tmp/"}, skipAlso...) {
			if strings.HasPrefix(name+"/", skip) && name+"/" != skip {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
		}
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		mode := info.Mode()
		if !mode.IsRegular() && !mode.IsDir() && mode&fs.ModeSymlink == 0 {
			return nil // devices, sockets, pipes
		}
		link := ""
		if mode&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		hdr, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return err
		}
		hdr.Name = name
		if info.IsDir() {
			hdr.Name += "/"
		}
		hdr.ModTime, hdr.AccessTime, hdr.ChangeTime = demoimage.Epoch, time.Time{}, time.Time{}
		hdr.Uname, hdr.Gname = "", ""
		hdr.Format = tar.FormatPAX
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if !mode.IsRegular() {
			return nil
		}
		r, err := os.Open(p)
		if err != nil {
			return err
		}
		defer r.Close()
		_, err = io.Copy(tw, r)
		return err
	})
}

func tail(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}
