package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"gitlab.com/vigil-vm/vigil/internal/demoimage"
)

// pythonPackages are Debian's builds of common Python libraries, unpacked
// without dpkg knowing (as pip would install them): a Python application's
// dependencies in a layer of their own.
var pythonPackages = []string{
	"python3-requests", "python3-urllib3", "python3-idna", "python3-certifi", "python3-chardet",
	"python3-yaml", "python3-jinja2", "python3-markupsafe", "python3-flask", "python3-werkzeug",
	"python3-click", "python3-itsdangerous", "python3-django", "python3-sqlparse", "python3-asgiref",
}

// mixedImage is shaped like an application image nobody here tuned for:
// a Debian bookworm minbase with python3 (the OS package DB), the Python
// libraries, the bench's node_modules and one Go binary on top, 4 layers.
func mixedImage(ctx context.Context, root, work string, log *slog.Logger) (v1.Image, error) {
	rootfs, err := debootstrap(ctx, filepath.Join(work, "rootfs-mixed"), []string{"ca-certificates", "python3"}, log)
	if err != nil {
		return nil, err
	}
	python, err := pythonTree(ctx, work, log)
	if err != nil {
		return nil, err
	}
	app, err := npmTree(ctx, root, work, log)
	if err != nil {
		return nil, err
	}
	gobin, err := goBinary(ctx, root, work, "")
	if err != nil {
		return nil, err
	}
	return layeredImage(work, []layerSpec{
		// As slim Debian images ship: no package lists, no translations.
		{"mixed-os", []entry{{src: rootfs, dst: "", skip: []string{"var/lib/apt/lists/", "usr/share/locale/"}}}},
		{"mixed-python", []entry{{src: python, dst: ""}}},
		{"mixed-node", []entry{{src: app, dst: "srv/web"}}},
		goLayer("mixed-go", gobin),
	}, "/usr/local/bin/vulnapp")
}

func goLayer(name, bin string) layerSpec {
	return layerSpec{name, []entry{{src: bin, dst: "usr/local/bin/vulnapp"}}}
}

// pythonTree downloads pythonPackages with apt-get and unpacks them into
// work/python, once.
func pythonTree(ctx context.Context, work string, log *slog.Logger) (string, error) {
	dir := filepath.Join(work, "python")
	if _, err := os.Stat(filepath.Join(dir, "usr")); err == nil {
		return dir, nil
	}
	debs := filepath.Join(work, "python-debs")
	log.Info("apt-get download", "dir", debs)
	os.RemoveAll(dir)
	if err := os.MkdirAll(debs, 0o755); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "apt-get", append([]string{"download"}, pythonPackages...)...)
	cmd.Dir = debs
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("apt-get download (needs Debian's package lists: apt-get update): %w\n%s", err, tail(out))
	}
	files, _ := filepath.Glob(filepath.Join(debs, "*.deb"))
	if len(files) < len(pythonPackages) {
		return "", fmt.Errorf("apt-get download gave %d packages, want %d", len(files), len(pythonPackages))
	}
	for _, f := range files {
		if out, err := exec.CommandContext(ctx, "dpkg-deb", "-x", f, dir).CombinedOutput(); err != nil {
			return "", fmt.Errorf("dpkg-deb -x %s: %w\n%s", f, err, tail(out))
		}
	}
	return dir, nil
}

// rebuiltImage is img rebuilt as CI rebuilds an application: its first
// keep layers unchanged and a new top layer with the Go program compiled
// again (another build ID, so other bytes).
func rebuiltImage(ctx context.Context, root, work string, img v1.Image, keep int) (v1.Image, error) {
	bin, err := goBinary(ctx, root, work, "rebuilt")
	if err != nil {
		return nil, err
	}
	ls, err := img.Layers()
	if err != nil {
		return nil, err
	}
	if keep > len(ls) {
		return nil, fmt.Errorf("rebuild keeps %d of %d layers", keep, len(ls))
	}
	spec := goLayer("rebuilt-go", bin)
	path := filepath.Join(work, "layers", spec.name+".tar")
	if err := writeTar(path, spec.files); err != nil {
		return nil, err
	}
	top, err := tarball.LayerFromFile(path)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	out, err := mutate.AppendLayers(empty.Image, append(ls[:keep:keep], top)...)
	if err != nil {
		return nil, err
	}
	return demoimage.Configure(out, cf.Config.Entrypoint[0], nil)
}
