package dockerfile

import (
	"context"
	"log/slog"
	"strings"

	"gitlab.com/vigil-vm/vigil/bot/patch"
	"gitlab.com/vigil-vm/vigil/bot/patch/internal/containerfile"
	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/registry"
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
	// Registry is how tags are listed and digests read: the scanner's
	// credentials, insecure registries and transport.
	Registry registry.Access
	Logger   *slog.Logger
}

// Patcher moves Dockerfile base images to newer tags. A Dockerfile has no
// lock file, so its artifacts step proposes the edits as they are.
type Patcher struct {
	patch.NoArtifacts
	opts Options
}

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

// Manifests: Dockerfiles and Containerfiles by the usual names.
func (*Patcher) Manifests() []string { return containerfile.Globs }

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
