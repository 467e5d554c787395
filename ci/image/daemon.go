package image

import (
	"context"
	"fmt"
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
	// A file buffer: the engine's export is read once per layer by the SBOM step.
	v1img, err := daemon.Image(ref, daemon.WithClient(cli), daemon.WithContext(ctx), daemon.WithFileBufferedOpener())
	if err != nil {
		return nil, fmt.Errorf("read %s from the %s engine: %w", ref, engine, err)
	}
	img := &Image{Image: v1img, Input: in, Repository: ref.Context().Name(), Auth: engine + " engine"}
	if t, ok := ref.(name.Tag); ok {
		img.Tags = []string{t.TagStr()}
	}
	return img, nil
}
