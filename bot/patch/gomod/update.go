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
// that version, directly or indirectly, then regenerates go.sum (and vendor/).
func (p *Patcher) Update(ctx context.Context, dir string, fix patch.Fix) (patch.Change, error) {
	to := canonical(fix.To)
	if !semver.IsValid(to) {
		return patch.Change{}, fmt.Errorf("update %s: %q is not a module version", fix.Package, fix.To)
	}
	mods, err := patch.FindFiles(dir, func(name string) bool { return name == "go.mod" })
	if err != nil {
		return patch.Change{}, err
	}
	var targets []string
	current := false
	for _, rel := range mods {
		f, err := readGoMod(dir, rel)
		if err != nil {
			return patch.Change{}, err
		}
		need, skip := needsBump(rel, f, fix.Package, to)
		if skip != "" {
			return patch.Change{Skipped: skip}, nil
		}
		if need {
			targets = append(targets, rel)
		} else if v := required(f, fix.Package); v != "" && semver.Compare(v, to) >= 0 {
			current = true
		}
	}
	if len(targets) > 0 {
		if err := module.Check(fix.Package, to); err != nil {
			return patch.Change{Skipped: fmt.Sprintf("%s@%s is not a valid module version: %v", fix.Package, to, err)}, nil
		}
	}
	if len(targets) == 0 && current {
		return patch.Change{Current: true}, nil
	}
	if len(targets) == 0 {
		return patch.Change{Skipped: fmt.Sprintf("no go.mod requires %s below %s", fix.Package, to)}, nil
	}
	c := patch.Change{Files: map[string][]byte{}, Package: fix.Package, To: to}
	if fix.From != "" {
		c.From = canonical(fix.From)
	}
	for _, rel := range targets {
		if err := p.updateModule(ctx, dir, rel, fix.Package, to, &c); err != nil {
			return patch.Change{}, err
		}
	}
	return c, nil
}

// needsBump decides for one go.mod: bump it, leave it, or refuse the fix.
func needsBump(rel string, f *modfile.File, pkg, to string) (need bool, skip string) {
	var cur string
	for _, r := range f.Require {
		if r.Mod.Path == pkg {
			cur = r.Mod.Version
		}
	}
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

// updateModule edits one go.mod and regenerates its artifacts, adding what
// changed to c.
func (p *Patcher) updateModule(ctx context.Context, dir, rel, pkg, to string, c *patch.Change) error {
	modDir := path.Dir(rel)
	watched := []string{patch.Join(modDir, "go.mod"), patch.Join(modDir, "go.sum"), patch.Join(modDir, "vendor")}
	before, err := patch.Take(dir, watched...)
	if err != nil {
		return err
	}
	oldGo := goLine(before[rel])
	edited, err := bumpRequire(rel, before[rel], pkg, to)
	if err != nil {
		return err
	}
	if err := p.artifacts(ctx, dir, rel, edited, pkg, to); err != nil {
		return err
	}
	after, err := patch.Take(dir, watched...)
	if err != nil {
		return err
	}
	before.Into(after, c)
	if newGo := goLine(after[rel]); newGo != oldGo {
		c.Notes = append(c.Notes, fmt.Sprintf("%s@%s requires go %s: %s now says `go %s` (was `go %s`); build with Go %s or newer",
			pkg, to, newGo, rel, newGo, oldGo, newGo))
	}
	return nil
}

// bumpRequire is the manifest step alone: the require line for pkg, direct
// or indirect, now says to.
func bumpRequire(rel string, data []byte, pkg, to string) ([]byte, error) {
	f, err := parseGoMod(rel, data)
	if err != nil {
		return nil, err
	}
	for _, r := range f.Require {
		if r.Mod.Path == pkg {
			if err := f.AddRequire(pkg, to); err != nil {
				return nil, fmt.Errorf("bump %s in %s: %w", pkg, rel, err)
			}
			f.Cleanup()
			out, err := f.Format()
			if err != nil {
				return nil, fmt.Errorf("format %s: %w", rel, err)
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("bump %s in %s: not required", pkg, rel)
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

func goLine(data []byte) string {
	f, err := modfile.ParseLax("go.mod", data, nil)
	if err != nil || f.Go == nil {
		return ""
	}
	return f.Go.Version
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
