package patch

import (
	"context"
	"fmt"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Patcher fixes one ecosystem's dependencies in a scratch copy of a
// repository. Like a Renovate manager it has three steps, which Apply calls
// in order: Extract finds the declarations of the package in the
// manifests, Update edits the manifests' text, and Artifacts regenerates
// what the ecosystem's real tool derives from them (lock files, go.sum)
// and checks the result builds or installs. Whatever the repository or the
// fix prevents is a step's Result, not an error; an error is a failure of
// the machinery (a tool that would not start, a file that cannot be
// written).
type Patcher interface {
	// Name is the ecosystem's short name, used in branch names: "gomod", "npm", …
	Name() string
	// Handles reports whether this patcher can fix the finding's package.
	Handles(f findings.Finding) bool
	// Manifests are the globs of the files it reads (see Match); the
	// engine runs it only on a repository that has one.
	Manifests() []string
	// Extract reads the manifests under dir and returns the declarations
	// of fix.Package the update moves, or what the repository already says
	// (Current, Blocked); no declaration is Absent.
	Extract(ctx context.Context, dir string, fix Fix) (Extracted, error)
	// Update edits the manifests that declare deps so that fix.Package is
	// at fix.To, and proposes the edits.
	Update(ctx context.Context, dir string, fix Fix, deps []Dependency) (Result, error)
	// Artifacts regenerates the files the ecosystem's tool derives from
	// the edited manifests, checks the result, and returns the change to
	// propose: c with what the tool changed and how it was checked.
	Artifacts(ctx context.Context, dir string, fix Fix, deps []Dependency, c Change) (Result, error)
}

// Extracted is what the extract step found for one fix.
type Extracted struct {
	Deps []Dependency // the declarations the update step moves
	// Current: some manifest already has the fixed version. It counts
	// only when no declaration needs the update.
	Current bool
	// Blocked, when set, says why no update may run (a replace pins the
	// module, a lock file vigil cannot regenerate).
	Blocked string
}

// Grouper is implemented by patchers whose fixes cover several packages at
// once (a base image fixes every OS package in it). Findings with the same
// group key become one Fix, whose From and To are left to the patcher: the
// packages' versions say nothing about the image tags.
type Grouper interface {
	Group(f findings.Finding) string
}

// Dependency is one dependency declared in one manifest.
type Dependency struct {
	Manifest string // path relative to the repository root, slash-separated
	Name     string
	Version  string // the version in use (lock file) or pinned (manifest)
	Indirect bool   // transitive or marked indirect
	Lock     string // the lock file beside the manifest that installs it, if any
}

// Fix asks for one package to be moved to a version that fixes the findings.
type Fix struct {
	Ecosystem string // the patcher's Name
	Package   string
	From      string
	To        string
	Findings  []findings.Finding // the vulnerabilities fixed
	Issues    []int64            // tracking issues closed by the fix
}

// Status says what an Update came to.
type Status int

// Statuses. Only Proposed makes a merge request and only Blocked speaks:
// the others have nothing a person could act on.
const (
	// Proposed: Result.Change holds the edits (after Artifacts, checked
	// by the real tool).
	Proposed Status = iota
	// Current: the repository already has the fixed version (the fix is
	// merged, the image not rebuilt yet).
	Current
	// Absent: nothing in the repository declares the package (an OS
	// package and no Dockerfile, a module only a binary brings).
	Absent
	// Blocked: the fix cannot be proposed until a person acts; Reason
	// says on what (a replace pins the module, the candidate does not
	// build, the base image has no fixing tag yet).
	Blocked
)

func (s Status) String() string {
	switch s {
	case Proposed:
		return "proposed"
	case Current:
		return "current"
	case Absent:
		return "absent"
	case Blocked:
		return "blocked"
	}
	return fmt.Sprintf("status(%d)", int(s))
}

// Result is the outcome of one step.
type Result struct {
	Status Status
	Reason string // Blocked: what stands in the way, as a sentence for the issue
	Change Change // Proposed: what changed
}

// Propose is the Result of a step that changed files.
func Propose(c Change) Result { return Result{Status: Proposed, Change: c} }

// Block is the Result of a step a person must unblock.
func Block(format string, args ...any) Result {
	return Result{Status: Blocked, Reason: fmt.Sprintf(format, args...)}
}

// Change is what the update and artifacts steps did to the repository.
type Change struct {
	Files   map[string][]byte // path relative to the root → new content
	Deleted []string          // paths relative to the root
	Notes   []string          // facts the merge request must state, e.g. "requires go 1.22"
	// Versions lists every version the change moves, the requested one
	// and whatever the ecosystem's tool moved with it (indirect modules,
	// the go line), so that the merge request hides nothing.
	Versions []VersionChange
	// Checks says how the result was verified, e.g. "`go build ./...` with
	// -mod=readonly passed in `.`"; the merge request repeats it.
	Checks []string

	// From and To, when set, say the versions as the ecosystem writes them
	// (v0.3.8, go1.22.5, a base image's tags); empty means the Fix's.
	// Package may differ from the Fix's only for a Grouper (a base image).
	Package, From, To string
}

// VersionChange is one version moved by a change.
type VersionChange struct {
	Manifest string // where, relative to the root
	Name     string // a module, a package, "go", "toolchain"
	From, To string // From empty: added; To empty: removed
	Why      string // why it moved, when it was not asked for
}

// Empty reports whether the change touches no file.
func (c Change) Empty() bool { return len(c.Files) == 0 && len(c.Deleted) == 0 }
