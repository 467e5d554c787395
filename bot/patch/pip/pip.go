package pip

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gitlab.com/vigil-vm/vigil/bot/patch"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Patcher bumps pinned Python requirements. pip has no lock file to
// regenerate, so its artifacts step proposes the edits as they are.
type Patcher struct{ patch.NoArtifacts }

var _ patch.Patcher = Patcher{}

// New returns a pip requirements patcher.
func New() Patcher { return Patcher{} }

// Manifests: requirements*.txt, and any .txt in a requirements/ directory.
func (Patcher) Manifests() []string { return []string{"requirements*.txt", "requirements/*.txt"} }

// Name is "pip".
func (Patcher) Name() string { return "pip" }

// Handles Python packages.
func (Patcher) Handles(f findings.Finding) bool {
	return f.Package.Type == "python" || strings.HasPrefix(f.Package.PURL, "pkg:pypi/")
}

func requirementFiles(dir string) ([]string, error) {
	return patch.FindFiles(dir, Patcher{}.Manifests()...)
}

// Extract finds the requirements files that pin fix.Package below fix.To.
// A pin carrying --hash blocks the fix: a text edit cannot keep the hash
// true.
func (Patcher) Extract(_ context.Context, dir string, fix patch.Fix) (patch.Extracted, error) {
	files, err := requirementFiles(dir)
	if err != nil {
		return patch.Extracted{}, err
	}
	var found patch.Extracted
	for _, rel := range files {
		data, err := readFile(dir, rel)
		if err != nil {
			return patch.Extracted{}, err
		}
		for _, p := range parse(data) {
			switch {
			case normalize(p.name) != normalize(fix.Package):
			case patch.CompareVersions(p.version, fix.To) >= 0:
				found.Current = true
			case p.hashed:
				found.Blocked = fmt.Sprintf("%s pins %s with --hash; regenerate it with pip-compile --generate-hashes", rel, fix.Package)
				return found, nil
			default:
				found.Deps = append(found.Deps, patch.Dependency{Manifest: rel, Name: p.name, Version: p.version})
			}
		}
	}
	return found, nil
}

// Update rewrites the pinned version of fix.Package in the files that pin
// it below fix.To.
func (Patcher) Update(_ context.Context, dir string, fix patch.Fix, deps []patch.Dependency) (patch.Result, error) {
	c := patch.Change{Files: map[string][]byte{}}
	for _, d := range deps {
		if _, done := c.Files[d.Manifest]; done {
			continue
		}
		data, err := readFile(dir, d.Manifest)
		if err != nil {
			return patch.Result{}, err
		}
		if out, _ := rewrite(data, fix.Package, fix.To); string(out) != string(data) {
			c.Files[d.Manifest] = out
		}
	}
	if c.Empty() {
		return patch.Result{Status: patch.Absent}, nil
	}
	return patch.Propose(c), nil
}

func readFile(dir, rel string) ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", rel, err)
	}
	return data, nil
}
