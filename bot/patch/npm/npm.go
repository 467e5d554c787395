package npm

import (
	"log/slog"
	"strings"

	"gitlab.com/vigil-vm/vigil/bot/patch"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Options configures the npm patcher.
type Options struct {
	NPMBin string       // the npm command; "npm" when empty
	Logger *slog.Logger // nil: discard
}

// Patcher bumps npm dependencies.
type Patcher struct{ opts Options }

var _ patch.Patcher = (*Patcher)(nil)

// New returns an npm patcher.
func New(opts Options) *Patcher {
	if opts.NPMBin == "" {
		opts.NPMBin = "npm"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Patcher{opts: opts}
}

// Manifests: every package.json (its lock file sits beside it).
func (*Patcher) Manifests() []string { return []string{"package.json"} }

// Name is "npm".
func (*Patcher) Name() string { return "npm" }

// Handles npm packages.
func (*Patcher) Handles(f findings.Finding) bool {
	return f.Package.Type == "npm" || strings.HasPrefix(f.Package.PURL, "pkg:npm/")
}
