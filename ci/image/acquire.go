package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"gitlab.com/vigil-vm/vigil/internal/registry"
)

// Getenv reads an environment variable; os.Getenv in production.
type Getenv = registry.Getenv

// DefaultPlatform is scanned when an index offers several platforms.
const DefaultPlatform = "linux/amd64"

// Options configure Acquire.
type Options struct {
	Platform string // os/arch[/variant]; DefaultPlatform when empty
	Insecure bool   // allow plain-HTTP registries
	CacheDir string // cache directory; pulled layers are kept by digest in CacheDir/blobs
	Name     string // repository to report for layouts and archives
	// DaemonHost is the engine socket for docker: and podman: inputs
	// (e.g. unix:///run/user/1000/podman/podman.sock); empty means the
	// engine's default socket.
	DaemonHost string
	Env        Getenv // CS_REGISTRY_*, CI_REGISTRY_*: none when nil; the CLI passes os.Getenv
	Transport  http.RoundTripper
}

// Registry is the registry access the options describe, the same one the
// base-image patcher uses.
func (o Options) Registry() registry.Access {
	return registry.Access{Insecure: o.Insecure, Transport: o.Transport, Env: o.Env}
}

// Image is an acquired image and what the reports say about it.
type Image struct {
	v1.Image
	Input      Input
	Repository string   // without tag or digest
	Digest     string   // manifest digest of the scanned platform image
	Index      string   // digest of the index it was picked from, if any
	Tags       []string // tags the user referred to
	Platform   string
	Auth       string // which credentials were used (never the secret)

	blobs  string // compressed layer blobs by digest ("" when uncached)
	layers string // uncompressed layers by DiffID, verified ("" when uncached)
}

// Acquire resolves in to an image, reading manifests once and leaving layers
// to be streamed (and cached) when the SBOM step reads them.
func Acquire(ctx context.Context, in Input, o Options) (*Image, error) {
	if o.Platform == "" {
		o.Platform = DefaultPlatform
	}
	plat, err := v1.ParsePlatform(o.Platform)
	if err != nil {
		return nil, fmt.Errorf("bad platform %q: %w", o.Platform, err)
	}
	var img *Image
	switch in.Kind {
	case KindRegistry:
		img, err = fromRegistry(ctx, in, *plat, o)
	case KindOCILayout:
		img, err = fromLayout(in, *plat, o)
	case KindDockerArchive:
		img, err = fromArchive(in, o)
	case KindDocker, KindPodman:
		img, err = fromDaemon(ctx, in, o)
	default:
		return nil, fmt.Errorf("%s is not an image input", in)
	}
	if err != nil {
		return nil, err
	}
	if img.Digest == "" {
		d, err := img.Image.Digest()
		if err != nil {
			return nil, fmt.Errorf("digest of %s: %w", in, err)
		}
		img.Digest = d.String()
	}
	if img.Platform == "" {
		img.Platform = platformOf(img.Image)
	}
	switch in.Kind {
	case KindRegistry: // pulled layers are kept by digest
		if o.CacheDir != "" {
			img.blobs = filepath.Join(o.CacheDir, "blobs")
			img.layers = filepath.Join(o.CacheDir, "layers")
		}
		img.Image = layerImage(img.Image, img.blobs)
	case KindOCILayout: // already on disk: only the faster gunzip
		img.Image = layerImage(img.Image, "")
	}
	// A docker archive is left alone: its layers are usually uncompressed
	// tars that go-containerregistry would gzip only for us to gunzip.
	return img, nil
}

func fromRegistry(ctx context.Context, in Input, plat v1.Platform, o Options) (*Image, error) {
	access := o.Registry()
	ref, err := access.Reference(in.Ref)
	if err != nil {
		return nil, err
	}
	authName := access.AuthName(ref)
	desc, err := remote.Get(ref, access.Remote(ctx, remote.WithPlatform(plat))...)
	if err != nil {
		return nil, registryError(ref, authName, err)
	}
	v1img, err := desc.Image() // picks the platform from an index
	if err != nil {
		return nil, fmt.Errorf("pick %s from %s: %w", plat.String(), ref, err)
	}
	img := &Image{Image: v1img, Input: in, Repository: ref.Context().Name(), Auth: authName}
	if t, ok := ref.(name.Tag); ok {
		img.Tags = []string{t.TagStr()}
	}
	if desc.MediaType.IsIndex() {
		img.Index = desc.Digest.String()
		img.Platform = plat.String()
	}
	return img, nil
}

func registryError(ref name.Reference, authName string, err error) error {
	var terr *transport.Error
	if errors.As(err, &terr) {
		switch terr.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			return fmt.Errorf("registry %s refused access to %s (HTTP %d, credentials from %s): set CS_REGISTRY_USER and CS_REGISTRY_PASSWORD", ref.Context().RegistryStr(), ref, terr.StatusCode, authName)
		case http.StatusNotFound:
			return fmt.Errorf("image %s not found in registry %s: check the repository and tag", ref, ref.Context().RegistryStr())
		}
	}
	if strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") {
		return fmt.Errorf("pull %s: registry speaks plain HTTP: pass --insecure-registry", ref)
	}
	return fmt.Errorf("pull %s: %w", ref, err)
}

func fromArchive(in Input, o Options) (*Image, error) {
	if _, err := os.Stat(in.Ref); err != nil {
		return nil, fmt.Errorf("docker archive: %w", err)
	}
	v1img, err := tarball.ImageFromPath(in.Ref, nil)
	if err != nil {
		return nil, fmt.Errorf("read docker archive %s: %w", in.Ref, err)
	}
	img := &Image{Image: v1img, Input: in, Repository: o.Name}
	if m, err := tarball.LoadManifest(func() (io.ReadCloser, error) { return os.Open(in.Ref) }); err == nil && len(m) > 0 && len(m[0].RepoTags) > 0 {
		if t, err := name.NewTag(m[0].RepoTags[0]); err == nil {
			img.Tags = []string{t.TagStr()}
			if img.Repository == "" {
				img.Repository = t.Context().Name()
			}
		}
	}
	if img.Repository == "" {
		img.Repository = strings.TrimSuffix(filepath.Base(in.Ref), filepath.Ext(in.Ref))
	}
	return img, nil
}

func platformOf(img v1.Image) string {
	cf, err := img.ConfigFile()
	if err != nil || cf.OS == "" {
		return ""
	}
	p := v1.Platform{OS: cf.OS, Architecture: cf.Architecture, Variant: cf.Variant}
	return p.String()
}
