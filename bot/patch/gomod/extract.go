package gomod

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/mod/modfile"

	"gitlab.com/vigil-vm/vigil/bot/patch"
)

// Extract lists the requirements of every go.mod under dir.
func (p *Patcher) Extract(ctx context.Context, dir string) ([]patch.Dependency, error) {
	mods, err := patch.FindFiles(dir, p.Manifests()...)
	if err != nil {
		return nil, err
	}
	var deps []patch.Dependency
	for _, rel := range mods {
		f, err := readGoMod(dir, rel)
		if err != nil {
			return nil, err
		}
		deps = append(deps, requirements(rel, f)...)
	}
	return deps, nil
}

func readGoMod(dir, rel string) (*modfile.File, error) {
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", rel, err)
	}
	return parseGoMod(rel, data)
}

func parseGoMod(rel string, data []byte) (*modfile.File, error) {
	f, err := modfile.Parse(rel, data, nil)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", rel, err)
	}
	return f, nil
}

func requirements(rel string, f *modfile.File) []patch.Dependency {
	deps := make([]patch.Dependency, 0, len(f.Require))
	for _, r := range f.Require {
		deps = append(deps, patch.Dependency{Manifest: rel, Name: r.Mod.Path, Version: r.Mod.Version, Indirect: r.Indirect})
	}
	return deps
}
