package options

import (
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/dustin/go-humanize"
	"github.com/spf13/pflag"

	"gitlab.com/vigil-vm/vigil/ci/image"
)

// Source says what to scan and how to reach it.
type Source struct {
	Target   string // IMAGE argument or --image
	Platform string
	Insecure bool
	CacheDir string
	// CacheMaxSize bounds CacheDir ("2GiB", "500MB"; "0" for no bound).
	CacheMaxSize string
	Name         string
	// DaemonHost is the engine socket for docker: and podman: sources.
	DaemonHost string
}

// DefaultSource is Source before environment and flags.
func DefaultSource() Source {
	s := Source{Platform: image.DefaultPlatform, CacheMaxSize: humanize.IBytes(uint64(image.DefaultCacheMaxSize))}
	if d, err := os.UserCacheDir(); err == nil {
		s.CacheDir = filepath.Join(d, "vigil")
	}
	return s
}

var sourceEnv = []EnvBinding{
	{"image", []string{"CS_IMAGE"}},
	{"insecure-registry", []string{"CS_REGISTRY_INSECURE"}},
	{"daemon-host", []string{"DOCKER_HOST", "CONTAINER_HOST"}},
}

// Env lists the environment variables that stand in for Source's flags;
// CS_* keep the meaning of GitLab Container Scanning's variables.
func (s *Source) Env() []EnvBinding { return sourceEnv }

// AddFlags registers Source's flags.
func (s *Source) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&s.Target, "image", s.Target, envHelp("image to scan, instead of the IMAGE argument", "CS_IMAGE"))
	fs.StringVar(&s.Platform, "platform", s.Platform, "platform to pick from a multi-platform image")
	fs.BoolVar(&s.Insecure, "insecure-registry", s.Insecure, envHelp("allow a plain-HTTP registry", "CS_REGISTRY_INSECURE"))
	fs.StringVar(&s.CacheDir, "cache-dir", s.CacheDir, "cache of pulled layers, SBOMs and match results, by image digest (empty disables it)")
	fs.StringVar(&s.CacheMaxSize, "cache-max-size", s.CacheMaxSize, "size the cache directory may take after a scan; least recently used entries go first (0: no limit)")
	fs.StringVar(&s.Name, "name", s.Name, "repository name to report for oci-dir, docker-archive, dir and sbom sources")
	fs.StringVar(&s.DaemonHost, "daemon-host", s.DaemonHost, envHelp("engine socket for docker: and podman: sources (default: the engine's own socket)", "DOCKER_HOST", "CONTAINER_HOST"))
}

// SetTarget takes the positional IMAGE argument; naming the image twice is
// a mistake worth reporting rather than guessing.
func (s *Source) SetTarget(fs *pflag.FlagSet, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if fs.Changed("image") {
		return fmt.Errorf("image given twice: as the argument %q and as --image %q", args[0], s.Target)
	}
	s.Target = args[0]
	return nil
}

// CacheMaxBytes is CacheMaxSize in bytes; 0 means no limit.
func (s *Source) CacheMaxBytes() (int64, error) {
	n, err := humanize.ParseBytes(s.CacheMaxSize)
	if err != nil || n > math.MaxInt64 {
		return 0, fmt.Errorf("--cache-max-size %q: want a size such as 2GiB or 500MB, or 0 for no limit", s.CacheMaxSize)
	}
	return int64(n), nil
}

// ImageOptions is the part of Source the image package takes.
func (s *Source) ImageOptions() image.Options {
	return image.Options{Platform: s.Platform, Insecure: s.Insecure, CacheDir: s.CacheDir, Name: s.Name, DaemonHost: s.DaemonHost, Env: os.Getenv}
}
