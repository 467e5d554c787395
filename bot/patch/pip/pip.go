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

// Patcher bumps pinned Python requirements.
type Patcher struct{}

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

// Update rewrites the pinned version of fix.Package in every requirements
// file that pins it below fix.To. pip has no lock file to regenerate.
func (Patcher) Update(ctx context.Context, dir string, fix patch.Fix) (patch.Result, error) {
	files, err := requirementFiles(dir)
	if err != nil {
		return patch.Result{}, err
	}
	c := patch.Change{Files: map[string][]byte{}}
	current := false
	for _, rel := range files {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return patch.Result{}, fmt.Errorf("read %s: %w", rel, err)
		}
		out, hashed := rewrite(data, fix.Package, fix.To)
		if hashed {
			return patch.Block("%s pins %s with --hash; regenerate it with pip-compile --generate-hashes", rel, fix.Package), nil
		}
		if string(out) != string(data) {
			c.Files[rel] = out
		}
		for _, p := range parse(data) {
			current = current || (normalize(p.name) == normalize(fix.Package) && patch.CompareVersions(p.version, fix.To) >= 0)
		}
	}
	if c.Empty() && current {
		return patch.Result{Status: patch.Current}, nil
	}
	if c.Empty() {
		return patch.Result{Status: patch.Absent}, nil
	}
	return patch.Propose(c), nil
}
