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

// Update moves fix.Package to fix.To in every go.mod that requires it below
// that version, directly or indirectly, with the real go get, and proposes
// the change only when every touched module still builds from its own
// go.mod and go.sum.
func (p *Patcher) Update(ctx context.Context, dir string, fix patch.Fix) (patch.Result, error) {
	to := canonical(fix.To)
	if !semver.IsValid(to) {
		return patch.Result{}, fmt.Errorf("update %s: %q is not a module version", fix.Package, fix.To)
	}
	targets, res, err := p.targets(dir, fix.Package, to)
	if err != nil || res != nil {
		return deref(res), err
	}
	c := patch.Change{Files: map[string][]byte{}, Package: fix.Package, To: to}
	if fix.From != "" {
		c.From = canonical(fix.From)
	}
	for _, rel := range targets {
		blocked, err := p.updateModule(ctx, dir, rel, fix.Package, to, &c)
		if err != nil || blocked != nil {
			return deref(blocked), err
		}
	}
	return patch.Propose(c), nil
}

// targets lists the go.mod files to bump, or says why there are none: a
// replace or a major version blocks the fix, the fixed version is already
// required (Current), or no module requires the package (Absent).
func (p *Patcher) targets(dir, pkg, to string) ([]string, *patch.Result, error) {
	mods, err := patch.FindFiles(dir, p.Manifests()...)
	if err != nil {
		return nil, nil, err
	}
	var targets []string
	current := false
	for _, rel := range mods {
		f, err := readGoMod(dir, rel)
		if err != nil {
			return nil, nil, err
		}
		need, block := needsBump(rel, f, pkg, to)
		if block != "" {
			r := patch.Block("%s", block)
			return nil, &r, nil
		}
		if need {
			targets = append(targets, rel)
		} else if v := required(f, pkg); v != "" && semver.Compare(v, to) >= 0 {
			current = true
		}
	}
	switch {
	case len(targets) > 0:
		if err := module.Check(pkg, to); err != nil {
			r := patch.Block("%s@%s is not a valid module version: %v", pkg, to, err)
			return nil, &r, nil
		}
		return targets, nil, nil
	case current:
		return nil, &patch.Result{Status: patch.Current}, nil
	}
	return nil, &patch.Result{Status: patch.Absent}, nil
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
