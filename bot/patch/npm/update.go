package npm

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"gitlab.com/vigil-vm/vigil/bot/patch"
)

// simpleSpec is a range that names one version: 1.2.5, ^1.2.5, ~1.2.5, >=1.2.5, =1.2.5.
var simpleSpec = regexp.MustCompile(`^(\^|~|>=|=)?v?\d+\.\d+\.\d+\S*$`)

// bumpSpec keeps the owners' range operator and moves it to version.
func bumpSpec(old, version string) string {
	if m := simpleSpec.FindStringSubmatch(strings.TrimSpace(old)); m != nil {
		return m[1] + version
	}
	return "^" + version
}

// Extract finds the package.json files that depend on fix.Package below
// fix.To, directly or through their lock file.
func (p *Patcher) Extract(_ context.Context, dir string, fix patch.Fix) (patch.Extracted, error) {
	files, err := manifests(dir)
	if err != nil {
		return patch.Extracted{}, err
	}
	var found patch.Extracted
	for _, rel := range files {
		t, err := p.target(dir, rel, fix)
		switch {
		case err != nil:
			return patch.Extracted{}, err
		case t.blocked != "":
			return patch.Extracted{Blocked: t.blocked}, nil
		case t.current:
			found.Current = true
		case !t.skip:
			found.Deps = append(found.Deps, t.dependency(fix.Package))
		}
	}
	return found, nil
}

// Update gives a direct dependency a new range and a transitive one an
// override, in every extracted package.json.
func (p *Patcher) Update(_ context.Context, dir string, fix patch.Fix, deps []patch.Dependency) (patch.Result, error) {
	c := patch.Change{Files: map[string][]byte{}}
	for _, d := range deps {
		t := fromDependency(d)
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(t.rel)))
		if err != nil {
			return patch.Result{}, fmt.Errorf("read %s: %w", t.rel, err)
		}
		edited, notes, err := p.edit(dir, t, data, fix)
		if err != nil {
			return patch.Result{}, err
		}
		if string(edited) != string(data) {
			c.Files[t.rel] = edited
		}
		c.Notes = append(c.Notes, notes...)
	}
	return patch.Propose(c), nil
}

// Artifacts has npm regenerate each extracted package-lock.json and checks
// it the way `npm ci` will read it.
func (p *Patcher) Artifacts(ctx context.Context, dir string, fix patch.Fix, deps []patch.Dependency, c patch.Change) (patch.Result, error) {
	for _, d := range deps {
		if blocked, err := p.relock(ctx, dir, fromDependency(d), fix, &c); err != nil || blocked != "" {
			return patch.Block("%s", blocked), err
		}
	}
	if c.Empty() {
		return patch.Result{Status: patch.Absent}, nil
	}
	return patch.Propose(c), nil
}

// target is what one package.json needs for the fix.
type target struct {
	rel, lockRel string
	hasLock      bool
	direct       bool
	oldSpec      string
	skip         bool   // the manifest does not have the package
	current      bool   // its lock file already installs the fixed version
	blocked      string // a person must act first
}

// dependency is the target as the extract step hands it on.
func (t target) dependency(pkg string) patch.Dependency {
	d := patch.Dependency{Manifest: t.rel, Name: pkg, Version: t.oldSpec, Indirect: !t.direct}
	if t.hasLock {
		d.Lock = t.lockRel
	}
	return d
}

func fromDependency(d patch.Dependency) target {
	t := target{rel: d.Manifest, lockRel: d.Lock, hasLock: d.Lock != "", direct: !d.Indirect, oldSpec: d.Version}
	if !t.hasLock {
		t.lockRel = patch.Join(path.Dir(d.Manifest), "package-lock.json")
	}
	return t
}

// target reads one manifest: does it depend on the package, directly or
// through its lock file, and below the fix?
func (p *Patcher) target(dir, rel string, fix patch.Fix) (target, error) {
	var m manifest
	if err := readJSON(dir, rel, &m); err != nil {
		return target{}, err
	}
	modDir := path.Dir(rel)
	t := target{rel: rel, lockRel: patch.Join(modDir, "package-lock.json")}
	t.hasLock = exists(dir, t.lockRel)
	t.oldSpec, t.direct = m.direct(fix.Package)
	switch {
	case !t.hasLock && !t.direct:
		t.skip = true
	case !t.hasLock && (exists(dir, patch.Join(modDir, "yarn.lock")) || exists(dir, patch.Join(modDir, "pnpm-lock.yaml"))):
		t.blocked = fmt.Sprintf("%s is locked by yarn or pnpm; vigil regenerates only package-lock.json", rel)
	case t.hasLock:
		var l lockfile
		if err := readJSON(dir, t.lockRel, &l); err != nil {
			return target{}, err
		}
		inst := l.installed()[fix.Package]
		t.current = len(inst) > 0 && !below(inst, fix.To)
		t.skip = len(inst) == 0
	}
	return t, nil
}

// relock runs the artifacts and verify steps on one manifest whose text
// the update step edited, and adds what changed to c; a non-empty string
// says why the fix cannot be proposed.
func (p *Patcher) relock(ctx context.Context, dir string, t target, fix patch.Fix, c *patch.Change) (string, error) {
	if !t.hasLock {
		return "", nil
	}
	before, err := patch.Take(dir, t.lockRel)
	if err != nil {
		return "", err
	}
	note, blocked, err := p.lock(ctx, dir, t, fix)
	if err != nil || blocked != "" {
		return blocked, err
	}
	if note != "" {
		c.Notes = append(c.Notes, note)
	}
	check, blocked := p.verify(ctx, dir, t)
	if blocked != "" {
		return blocked, nil
	}
	c.Checks = append(c.Checks, check)
	watched := []string{t.lockRel}
	if _, edited := c.Files[t.rel]; edited || note != "" {
		watched = append(watched, t.rel) // the override lock wrote
	}
	after, err := patch.Take(dir, watched...)
	if err != nil {
		return "", err
	}
	before.Into(after, c)
	c.Versions = append(c.Versions, lockChanges(t.lockRel, before[t.lockRel], after[t.lockRel], fix.Package)...)
	return "", nil
}

// edit is the update step on one manifest: a new range for a direct
// dependency, an override for a transitive one. It writes the manifest and
// returns it with what the merge request must say.
func (p *Patcher) edit(dir string, t target, data []byte, fix patch.Fix) ([]byte, []string, error) {
	var notes []string
	var err error
	if t.direct {
		data, _, err = setDependency(data, fix.Package, func(old string) string {
			if patch.CompareVersions(strings.TrimLeft(old, "^~>=v"), fix.To) >= 0 && simpleSpec.MatchString(old) {
				return old
			}
			return bumpSpec(old, fix.To)
		})
		if !simpleSpec.MatchString(t.oldSpec) {
			notes = append(notes, fmt.Sprintf("%s: the range %q for %s is now %q", t.rel, t.oldSpec, fix.Package, bumpSpec(t.oldSpec, fix.To)))
		}
	} else {
		data, err = setOverride(data, fix.Package, fix.To)
		notes = append(notes, fmt.Sprintf("%s: %s is a transitive dependency, pinned to %s through `overrides`", t.rel, fix.Package, fix.To))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("update %s: %w", t.rel, err)
	}
	return data, notes, writeFile(dir, t.rel, data)
}

// lock is the artifacts step: npm regenerates the lock file; when a
// nested copy stays old behind a direct bump, an override pins it too.
func (p *Patcher) lock(ctx context.Context, dir string, t target, fix patch.Fix) (note, blocked string, err error) {
	modDir := path.Dir(t.rel)
	left, blocked := p.artifacts(ctx, dir, modDir, fix.Package, fix.To)
	if blocked != "" || len(left) == 0 || !t.direct {
		if blocked == "" && len(left) > 0 {
			blocked = fmt.Sprintf("npm still installs %s %s in %s after the override", fix.Package, strings.Join(left, ", "), t.lockRel)
		}
		return "", blocked, nil
	}
	cur, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(t.rel)))
	if err != nil {
		return "", "", fmt.Errorf("read %s: %w", t.rel, err)
	}
	if cur, err = setOverride(cur, fix.Package, fix.To); err != nil {
		return "", "", fmt.Errorf("update %s: %w", t.rel, err)
	}
	if err := writeFile(dir, t.rel, cur); err != nil {
		return "", "", err
	}
	if left, blocked = p.artifacts(ctx, dir, modDir, fix.Package, fix.To); blocked == "" && len(left) > 0 {
		blocked = fmt.Sprintf("npm still installs %s %s in %s, even with an override", fix.Package, strings.Join(left, ", "), t.lockRel)
	}
	return fmt.Sprintf("%s: nested copies of %s are pinned to %s through `overrides`", t.rel, fix.Package, fix.To), blocked, nil
}

// belowList lists the installed versions older than version.
func belowList(versions []string, version string) []string {
	var out []string
	for _, v := range versions {
		if patch.CompareVersions(v, version) < 0 {
			out = append(out, v)
		}
	}
	return out
}

func below(versions []string, version string) bool { return len(belowList(versions, version)) > 0 }

func exists(dir, rel string) bool {
	_, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel)))
	return err == nil
}

func writeFile(dir, rel string, data []byte) error {
	if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(rel)), data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	return nil
}
