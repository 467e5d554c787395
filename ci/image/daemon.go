package image

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/daemon"
	"github.com/moby/moby/client"
)

// Default engine sockets, used when Options.DaemonHost is empty.
const (
	DefaultDockerHost = "unix:///var/run/docker.sock"
	DefaultPodmanHost = "unix:///run/podman/podman.sock"
)

// fromDaemon reads an image from the local Docker engine or Podman service
// (Podman speaks the same API), for images built in the job and not pushed.
func fromDaemon(ctx context.Context, in Input, o Options) (*Image, error) {
	engine, host := "Docker", o.DaemonHost
	if in.Kind == KindPodman {
		engine = "Podman"
	}
	if host == "" {
		host = DefaultDockerHost
		if in.Kind == KindPodman {
			host = DefaultPodmanHost
		}
	}
	cli, err := client.New(client.WithHost(host))
	if err != nil {
		return nil, fmt.Errorf("%s: connect to the %s engine at %s: %w", in, engine, host, err)
	}
	defer cli.Close()
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := cli.Ping(pctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		return nil, fmt.Errorf("%s: no %s engine answers at %s (%w): start it, point DOCKER_HOST at it, or save the image (docker save -o app.tar IMAGE) and scan docker-archive:app.tar", in, engine, host, err)
	}
	ref, err := name.ParseReference(in.Ref)
	if err != nil {
		return nil, fmt.Errorf("bad image reference %q: %w", in.Ref, err)
	}
	// The engine's export is read once per layer by the SBOM step: saved
	// once, into a file that is already unlinked (see savedOnce).
	v1img, err := daemon.Image(ref, daemon.WithClient(&savedOnce{Client: cli}), daemon.WithContext(ctx), daemon.WithUnbufferedOpener())
	if err != nil {
		return nil, fmt.Errorf("read %s from the %s engine: %w", ref, engine, err)
	}
	img := &Image{Image: v1img, Input: in, Repository: ref.Context().Name(), Auth: engine + " engine"}
	if t, ok := ref.(name.Tag); ok {
		img.Tags = []string{t.TagStr()}
	}
	return img, nil
}

// savedOnce is an engine client whose ImageSave asks the engine once and
// serves every later call from that export, kept in a temporary file that
// is unlinked before it is written. go-containerregistry's own file buffer
// is removed only when the garbage collector gets to it, which a `vigil
// scan` never waits for: every scan on a shell runner left an image-sized
// tar in /tmp. An unlinked file is freed by the kernel when vigil exits,
// however it exits.
type savedOnce struct {
	daemon.Client
	once sync.Once
	f    *os.File
	size int64
	err  error
}

func (s *savedOnce) ImageSave(ctx context.Context, images []string, opts ...client.ImageSaveOption) (client.ImageSaveResult, error) {
	s.once.Do(func() { s.f, s.size, s.err = s.save(ctx, images, opts) })
	if s.err != nil {
		return nil, s.err
	}
	return io.NopCloser(io.NewSectionReader(s.f, 0, s.size)), nil
}

func (s *savedOnce) save(ctx context.Context, images []string, opts []client.ImageSaveOption) (f *os.File, n int64, err error) {
	if f, err = os.CreateTemp("", "vigil-image-*.tar"); err != nil {
		return nil, 0, fmt.Errorf("buffer the engine's export: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	if err = os.Remove(f.Name()); err != nil {
		return nil, 0, fmt.Errorf("buffer the engine's export: %w", err)
	}
	rc, err := s.Client.ImageSave(ctx, images, opts...)
	if err != nil {
		return nil, 0, err
	}
	defer rc.Close()
	if n, err = io.Copy(f, rc); err != nil {
		return nil, 0, fmt.Errorf("read the engine's export: %w", err)
	}
	return f, n, nil
}
