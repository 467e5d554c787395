package patch

import (
	"context"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Patcher fixes one ecosystem's dependencies in a scratch copy of a
// repository. Like a Renovate manager it has three steps: extract the
// dependencies from the manifests, update the manifest text, and regenerate
// the artifacts (lock files, go.sum) with the ecosystem's real tool. Update
// runs the last two.
type Patcher interface {
	// Name is the ecosystem's short name, used in branch names: "gomod", "npm", …
	Name() string
	// Handles reports whether this patcher can fix the finding's package.
	Handles(f findings.Finding) bool
	// Extract lists the dependencies declared under dir with their current versions.
	Extract(ctx context.Context, dir string) ([]Dependency, error)
	// Update edits the files under dir so that fix.Package is at fix.To and
	// reports what changed. A fix that must not be applied (a replace
	// directive, a major-version jump) is a Change with Skipped set, not an error.
	Update(ctx context.Context, dir string, fix Fix) (Change, error)
}

// Grouper is implemented by patchers whose fixes cover several packages at
// once (a base image fixes every OS package in it). Findings with the same
// group key become one Fix.
type Grouper interface {
	Group(f findings.Finding) string
}

// Dependency is one dependency declared in one manifest.
type Dependency struct {
	Manifest string // path relative to the repository root, slash-separated
	Name     string
	Version  string // the version in use (lock file) or pinned (manifest)
	Indirect bool   // transitive or marked indirect
}

// Fix asks for one package to be moved to a version that fixes the findings.
type Fix struct {
	Ecosystem string // the patcher's Name
	Package   string
	From      string
	To        string
	Findings  []findings.Finding // the vulnerabilities fixed
	Issues    []int              // tracking issues closed by the fix
}

// Change is what an Update did to the repository.
type Change struct {
	Files   map[string][]byte // path relative to the root → new content
	Deleted []string          // paths relative to the root
	Notes   []string          // facts the merge request must state, e.g. "requires go 1.22"
	Skipped string            // non-empty: no merge request, and this is why
	// Current says the repository already has the fixed version (the fix
	// merged, the image not rebuilt yet): nothing to do and nothing to say.
	Current bool

	// From and To, when set, say the versions as the ecosystem writes them
	// (v0.3.8, go1.22.5, a base image's tags); empty means the Fix's.
	// Package may differ from the Fix's only for a Grouper (a base image).
	Package, From, To string
}

// Empty reports whether the change touches no file.
func (c Change) Empty() bool { return len(c.Files) == 0 && len(c.Deleted) == 0 }
