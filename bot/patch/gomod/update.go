package gomod

import (
	"context"
	"fmt"
	"path"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"gitlab.com/vigil-vm/vigil/bot/patch"
)

// Extract finds the go.mod files that require fix.Package below fix.To,
// directly or indirectly. A replace or a major version blocks the fix.
func (p *Patcher) Extract(_ context.Context, dir string, fix patch.Fix) (patch.Extracted, error) {
	to := canonical(fix.To)
	if !semver.IsValid(to) {
		return patch.Extracted{}, fmt.Errorf("update %s: %q is not a module version", fix.Package, fix.To)
	}
	mods, err := patch.FindFiles(dir, p.Manifests()...)
	if err != nil {
		return patch.Extracted{}, err
	}
	var found patch.Extracted
	for _, rel := range mods {
		f, err := readGoMod(dir, rel)
		if err != nil {
			return patch.Extracted{}, err
		}
		need, block := needsBump(rel, f, fix.Package, to)
		cur := required(f, fix.Package)
		switch {
		case block != "":
			return patch.Extracted{Blocked: block}, nil
		case need:
			found.Deps = append(found.Deps, patch.Dependency{Manifest: rel, Name: fix.Package, Version: cur})
		case cur != "" && semver.Compare(cur, to) >= 0:
			found.Current = true
		}
	}
	if len(found.Deps) > 0 {
		if err := module.Check(fix.Package, to); err != nil {
			return patch.Extracted{Blocked: fmt.Sprintf("%s@%s is not a valid module version: %v", fix.Package, to, err)}, nil
		}
	}
	return found, nil
}

// Update leaves go.mod to the go command: go get must see the unedited
// file to resolve what the new version needs (see artifacts), so this step
// only names the change.
func (p *Patcher) Update(_ context.Context, _ string, fix patch.Fix, _ []patch.Dependency) (patch.Result, error) {
	c := patch.Change{Files: map[string][]byte{}, Package: fix.Package, To: canonical(fix.To)}
	if fix.From != "" {
		c.From = canonical(fix.From)
	}
	return patch.Propose(c), nil
}

// Artifacts moves every extracted module to the fixed version with the
// real go get, and proposes the change only when every touched module
// still builds from its own go.mod and go.sum.
func (p *Patcher) Artifacts(ctx context.Context, dir string, fix patch.Fix, deps []patch.Dependency, c patch.Change) (patch.Result, error) {
	for _, d := range deps {
		blocked, err := p.updateModule(ctx, dir, d.Manifest, fix.Package, c.To, &c)
		if err != nil || blocked != nil {
			return deref(blocked), err
		}
	}
	return patch.Propose(c), nil
}

func deref(r *patch.Result) patch.Result {
	if r == nil {
		return patch.Result{}
	}
	return *r
}

// needsBump decides for one go.mod: bump it, leave it, or refuse the fix
// with a reason a person can act on.
func needsBump(rel string, f *modfile.File, pkg, to string) (need bool, block string) {
	cur := required(f, pkg)
	if cur == "" {
		return false, ""
	}
	for _, r := range f.Replace {
		if r.Old.Path == pkg && (r.Old.Version == "" || r.Old.Version == cur) {
			return false, fmt.Sprintf("%s replaces %s with %s; the replace directive pins it, so vigil does not bump it (update or remove the replace)",
				rel, pkg, strings.TrimSpace(r.New.Path+" "+r.New.Version))
		}
	}
	if semver.Major(cur) != semver.Major(to) {
		return false, fmt.Sprintf("%s requires %s %s; the fix %s is another major version, which vigil never crosses", rel, pkg, cur, to)
	}
	return semver.Compare(cur, to) < 0, ""
}

// updateModule runs the artifacts and verify steps on one module and adds
// what changed to c. A non-nil Result says why the fix cannot be proposed.
func (p *Patcher) updateModule(ctx context.Context, dir, rel, pkg, to string, c *patch.Change) (*patch.Result, error) {
	modDir := path.Dir(rel)
	watched := []string{patch.Join(modDir, "go.mod"), patch.Join(modDir, "go.sum"), patch.Join(modDir, "vendor")}
	before, err := patch.Take(dir, watched...)
	if err != nil {
		return nil, err
	}
	if failed := p.artifacts(ctx, dir, rel, pkg, to); failed != "" {
		r := patch.Block("%s", failed)
		return &r, nil
	}
	check, failed := p.verify(ctx, dir, rel)
	if failed != "" {
		r := patch.Block("%s%s", failed, p.baseline(ctx, dir, rel, before, watched))
		return &r, nil
	}
	after, err := patch.Take(dir, watched...)
	if err != nil {
		return nil, err
	}
	before.Into(after, c)
	moved, err := p.versions(ctx, rel, before[rel], after[rel], pkg)
	if err != nil {
		return nil, err
	}
	c.Versions = append(c.Versions, moved...)
	c.Checks = append(c.Checks, check)
	for _, v := range moved {
		if v.Name == "go" {
			c.Notes = append(c.Notes, fmt.Sprintf("%s now says `go %s` (was `go %s`): %s; build with Go %s or newer", rel, v.To, v.From, v.Why, v.To))
		}
	}
	return nil, nil
}

// required is the version of pkg that f requires, or "".
func required(f *modfile.File, pkg string) string {
	for _, r := range f.Require {
		if r.Mod.Path == pkg {
			return r.Mod.Version
		}
	}
	return ""
}

// canonical turns a fixed version as vulnerability databases write it
// ("0.3.8") into a module version ("v0.3.8").
func canonical(v string) string {
	v = strings.TrimSpace(v)
	if !strings.HasPrefix(v, "v") {
		v = "v" + v
	}
	return v
}
