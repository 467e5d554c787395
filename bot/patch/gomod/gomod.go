package gomod

import (
	"log/slog"
	"strings"
	"sync"

	"gitlab.com/vigil-vm/vigil/bot/patch"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Options configures the Go modules patcher.
type Options struct {
	Tidy   bool         // run go mod tidy after go get
	GoBin  string       // the go command; "go" when empty
	Logger *slog.Logger // nil: discard
}

// Patcher bumps Go module requirements.
type Patcher struct {
	opts Options

	cacheOnce sync.Once // GOMODCACHE, read the first time a go line moves
	cacheDir  string
	cacheErr  error
}

var _ patch.Patcher = (*Patcher)(nil)

// New returns a Go modules patcher.
func New(opts Options) *Patcher {
	if opts.GoBin == "" {
		opts.GoBin = "go"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Patcher{opts: opts}
}

// Manifests: every go.mod.
func (*Patcher) Manifests() []string { return []string{"go.mod"} }

// Name is "gomod".
func (*Patcher) Name() string { return "gomod" }

// Handles Go module packages except the standard library, which is the
// toolchain's.
func (*Patcher) Handles(f findings.Finding) bool {
	if f.Package.Name == "stdlib" {
		return false
	}
	return f.Package.Type == "go-module" || strings.HasPrefix(f.Package.PURL, "pkg:golang/")
}
