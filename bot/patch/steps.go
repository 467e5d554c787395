package patch

import "context"

// Apply runs p's three steps on dir for fix (extract, update, artifacts)
// and returns the first Result that is not a proposal, or the last step's.
// dir is a scratch copy the steps may edit freely.
func Apply(ctx context.Context, p Patcher, dir string, fix Fix) (Result, error) {
	found, err := p.Extract(ctx, dir, fix)
	if err != nil {
		return Result{}, err
	}
	if res, done := found.outcome(); done {
		return res, nil
	}
	res, err := p.Update(ctx, dir, fix, found.Deps)
	if err != nil || res.Status != Proposed {
		return res, err
	}
	return p.Artifacts(ctx, dir, fix, found.Deps, res.Change)
}

// outcome is the Result the extract step ends with, when it ends there.
func (e Extracted) outcome() (Result, bool) {
	switch {
	case e.Blocked != "":
		return Block("%s", e.Blocked), true
	case len(e.Deps) > 0:
		return Result{}, false
	case e.Current:
		return Result{Status: Current}, true
	}
	return Result{Status: Absent}, true
}

// NoArtifacts is the artifacts step of an ecosystem whose manifests are
// all there is (no lock file to regenerate): it proposes c as it is.
type NoArtifacts struct{}

// Artifacts proposes c.
func (NoArtifacts) Artifacts(_ context.Context, _ string, _ Fix, _ []Dependency, c Change) (Result, error) {
	return Propose(c), nil
}
