package dockerfile

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"gitlab.com/vigil-vm/vigil/bot/patch"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Verifier scans a candidate base image and counts, among the findings the
// merge request claims to fix, how many the current image has (before) and
// the candidate still has (after). vigil's own scanner implements it.
type Verifier interface {
	Verify(ctx context.Context, current, candidate string, claimed []findings.Finding) (before, after int, err error)
}

// VerifierFunc adapts a function to Verifier.
type VerifierFunc func(ctx context.Context, current, candidate string, claimed []findings.Finding) (before, after int, err error)

// Verify calls f.
func (f VerifierFunc) Verify(ctx context.Context, current, candidate string, claimed []findings.Finding) (int, int, error) {
	return f(ctx, current, candidate, claimed)
}

// Options configures the base-image patcher.
type Options struct {
	// Verifier confirms a candidate removes the findings; nil proposes the
	// newest candidate unverified, and the merge request says so.
	Verifier Verifier
	// PinDigest writes tag@digest instead of the tag alone.
	PinDigest bool
	// Remote carries registry options: auth, transport.
	Remote []remote.Option
	// NameOptions parse references, e.g. name.Insecure for a plain-HTTP registry.
	NameOptions []name.Option
	Logger      *slog.Logger
}

// Patcher moves Dockerfile base images to newer tags.
type Patcher struct{ opts Options }

var (
	_ patch.Patcher = (*Patcher)(nil)
	_ patch.Grouper = (*Patcher)(nil)
)

// New returns a base-image patcher.
func New(opts Options) *Patcher {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Patcher{opts: opts}
}

// Name is "dockerfile".
func (*Patcher) Name() string { return "dockerfile" }

// Handles operating-system packages, which only a new base image fixes.
func (*Patcher) Handles(f findings.Finding) bool {
	switch f.Package.Type {
	case "deb", "apk", "rpm":
		return true
	}
	for _, p := range []string{"pkg:deb/", "pkg:apk/", "pkg:rpm/"} {
		if strings.HasPrefix(f.Package.PURL, p) {
			return true
		}
	}
	return false
}

// Group puts every OS-package finding into one fix: one base image bump.
func (*Patcher) Group(findings.Finding) string { return "base-image" }

// Extract lists each Dockerfile's FROM images (not stage references).
func (p *Patcher) Extract(ctx context.Context, dir string) ([]patch.Dependency, error) {
	files, err := patch.FindFiles(dir, IsDockerfile)
	if err != nil {
		return nil, err
	}
	var deps []patch.Dependency
	for _, rel := range files {
		df, _, err := read(dir, rel)
		if err != nil {
			return nil, err
		}
		for _, from := range df.Froms {
			if from.StageRef || from.Image == "scratch" {
				continue
			}
			repo, tag, _ := SplitRef(from.Image)
			deps = append(deps, patch.Dependency{Manifest: rel, Name: repo, Version: tag, Indirect: from.Line != df.final().Line})
		}
	}
	return deps, nil
}

// final is the FROM the shipped image is built on: the last stage, followed
// back through stage references.
func (f *File) final() From {
	if len(f.Froms) == 0 {
		return From{Line: -1}
	}
	from := f.Froms[len(f.Froms)-1]
	for from.StageRef {
		prev := from
		for _, s := range f.Froms {
			if strings.EqualFold(s.Stage, from.Image) && s.Line < from.Line {
				prev = s
			}
		}
		if prev.Line == from.Line {
			break
		}
		from = prev
	}
	return from
}

func read(dir, rel string) (*File, []byte, error) {
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", rel, err)
	}
	df, err := Parse(data)
	if err != nil {
		return nil, nil, fmt.Errorf("parse %s: %w", rel, err)
	}
	return df, data, nil
}
