package ecosystems

import (
	"log/slog"

	"gitlab.com/vigil-vm/vigil/bot/patch"
	"gitlab.com/vigil-vm/vigil/bot/patch/dockerfile"
	"gitlab.com/vigil-vm/vigil/bot/patch/gomod"
	"gitlab.com/vigil-vm/vigil/bot/patch/gotoolchain"
	"gitlab.com/vigil-vm/vigil/bot/patch/npm"
	"gitlab.com/vigil-vm/vigil/bot/patch/pip"
)

// Names lists every ecosystem vigil can patch, in the order they are asked.
func Names() []string { return []string{"gotoolchain", "gomod", "dockerfile", "npm", "pip"} }

// Options configures the patchers that take options.
type Options struct {
	GoModTidy  bool               // go mod tidy after go get
	Dockerfile dockerfile.Options // registry access, verifier, digest pinning
	Logger     *slog.Logger
}

// All returns every patcher, enabled or not: the engine alone turns
// ecosystems off (mr.Options.Disabled), so that it knows who owns a
// disabled ecosystem's findings and keeps quiet about them. Adding an
// ecosystem is one line here.
func All(o Options) []patch.Patcher {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Dockerfile.Logger == nil {
		o.Dockerfile.Logger = o.Logger
	}
	return []patch.Patcher{
		gotoolchain.New(), // before gomod: stdlib is a go-module package too
		gomod.New(gomod.Options{Tidy: o.GoModTidy, Logger: o.Logger}),
		dockerfile.New(o.Dockerfile),
		npm.New(npm.Options{Logger: o.Logger}),
		pip.New(),
	}
}
