package gotoolchain

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"

	"gitlab.com/vigil-vm/vigil/bot/patch"
	"gitlab.com/vigil-vm/vigil/bot/patch/internal/containerfile"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Patcher bumps the Go toolchain. go.mod's directives and a Dockerfile's
// image are all there is (no go get: the toolchain is not a module), so
// its artifacts step proposes the edits as they are.
type Patcher struct{ patch.NoArtifacts }

var _ patch.Patcher = Patcher{}

// New returns a Go toolchain patcher.
func New() Patcher { return Patcher{} }

// Manifests: go.mod files and the Dockerfiles that pick a golang image.
func (Patcher) Manifests() []string { return append([]string{"go.mod"}, containerfile.Globs...) }

// Name is "gotoolchain".
func (Patcher) Name() string { return "gotoolchain" }

// Handles the Go standard library.
func (Patcher) Handles(f findings.Finding) bool {
	return f.Package.Name == "stdlib" && (f.Package.Type == "go-module" || strings.HasPrefix(f.Package.PURL, "pkg:golang/stdlib"))
}

var (
	releaseRE = regexp.MustCompile(`^(1\.\d+)\.(\d+)$`)
	golangTag = regexp.MustCompile(`^(1\.\d+)(?:\.(\d+))?((?:-\S*)?)$`)
)

// extract lists go and toolchain directives and golang builder images.
func extract(dir string) ([]patch.Dependency, error) {
	var deps []patch.Dependency
	mods, err := patch.FindFiles(dir, "go.mod")
	if err != nil {
		return nil, err
	}
	for _, rel := range mods {
		f, _, err := readMod(dir, rel)
		if err != nil {
			return nil, err
		}
		if f.Go != nil {
			deps = append(deps, patch.Dependency{Manifest: rel, Name: "go", Version: f.Go.Version})
		}
		if f.Toolchain != nil {
			deps = append(deps, patch.Dependency{Manifest: rel, Name: "toolchain", Version: f.Toolchain.Name})
		}
	}
	dfs, err := patch.FindFiles(dir, containerfile.Globs...)
	if err != nil {
		return nil, err
	}
	for _, rel := range dfs {
		df, _, err := containerfile.Read(dir, rel)
		if err != nil {
			return nil, err
		}
		for _, from := range golangFroms(df) {
			repo, tag, _ := containerfile.SplitRef(from.Image)
			deps = append(deps, patch.Dependency{Manifest: rel, Name: repo, Version: tag})
		}
	}
	return deps, nil
}

// Extract lists the go and toolchain directives and golang images on the
// fixed release's minor line. A fix that names no release (or nothing on
// its line) is Absent: the binary was built elsewhere, and its issue
// already says so.
func (Patcher) Extract(_ context.Context, dir string, fix patch.Fix) (patch.Extracted, error) {
	minor, _, ok := release(fix.To)
	if !ok {
		return patch.Extracted{}, nil
	}
	deps, err := extract(dir)
	if err != nil {
		return patch.Extracted{}, err
	}
	var found patch.Extracted
	for _, d := range deps {
		if lineOf(d) == minor {
			found.Deps = append(found.Deps, d)
		}
	}
	return found, nil
}

// Update moves every toolchain directive and golang:<minor>.x image among
// deps up to the fixed release. When none moves, a toolchain directive is
// added to go.mod files on that line.
func (Patcher) Update(_ context.Context, dir string, fix patch.Fix, deps []patch.Dependency) (patch.Result, error) {
	minor, to, _ := release(fix.To)
	var mods, dfs []string
	for _, d := range deps {
		switch {
		case patch.Match(d.Manifest, "go.mod"):
			mods = appendNew(mods, d.Manifest)
		default:
			dfs = appendNew(dfs, d.Manifest)
		}
	}
	c := patch.Change{Files: map[string][]byte{}}
	if err := bumpMods(dir, mods, minor, to, false, &c); err != nil {
		return patch.Result{}, err
	}
	if err := bumpDockerfiles(dir, dfs, minor, to, &c); err != nil {
		return patch.Result{}, err
	}
	if c.Empty() {
		if err := bumpMods(dir, mods, minor, to, true, &c); err != nil {
			return patch.Result{}, err
		}
	}
	switch {
	case c.Empty() && alreadyAt(deps, minor, to):
		return patch.Result{Status: patch.Current}, nil
	case c.Empty():
		return patch.Result{Status: patch.Absent}, nil
	}
	c.To = "go" + to
	if fix.From != "" {
		c.From = "go" + strings.TrimPrefix(fix.From, "go")
	}
	return patch.Propose(c), nil
}

// release splits a fixed Go release ("1.22.5", "go1.22.5") into its minor
// line and version; ok is false for anything a toolchain cannot name.
func release(v string) (minor, to string, ok bool) {
	to = strings.TrimPrefix(v, "go")
	m := releaseRE.FindStringSubmatch(to)
	if m == nil {
		return "", "", false
	}
	return m[1], to, true
}

// lineOf is the minor line a declaration is on: "1.22" for go 1.22.3,
// toolchain go1.22.3 or golang:1.22-alpine.
func lineOf(d patch.Dependency) string {
	if d.Name == "go" || d.Name == "toolchain" {
		return minorOf(d.Version)
	}
	if m := golangTag.FindStringSubmatch(d.Version); m != nil {
		return m[1]
	}
	return ""
}

// bumpMods moves (or, with add, adds) the toolchain directive of each
// go.mod in mods into c.
func bumpMods(dir string, mods []string, minor, to string, add bool, c *patch.Change) error {
	for _, rel := range mods {
		f, data, err := readMod(dir, rel)
		if err != nil {
			return err
		}
		out, ok, err := bumpToolchain(f, minor, to, add)
		switch {
		case err != nil:
			return fmt.Errorf("update %s: %w", rel, err)
		case ok && add:
			c.Files[rel] = out
			c.Notes = append(c.Notes, fmt.Sprintf("%s: added `toolchain go%s` so builds use a fixed standard library", rel, to))
		case ok && string(out) != string(data):
			c.Files[rel] = out
		}
	}
	return nil
}

// bumpDockerfiles moves the golang images of each Dockerfile in dfs into c.
func bumpDockerfiles(dir string, dfs []string, minor, to string, c *patch.Change) error {
	for _, rel := range dfs {
		df, orig, err := containerfile.Read(dir, rel)
		if err != nil {
			return err
		}
		notes, err := bumpImages(df, minor, to)
		if err != nil {
			return fmt.Errorf("update %s: %w", rel, err)
		}
		for _, n := range notes {
			c.Notes = append(c.Notes, rel+": "+n)
		}
		if out := df.Bytes(); string(out) != string(orig) {
			c.Files[rel] = out
		}
	}
	return nil
}

func appendNew(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// bumpToolchain sets the toolchain directive to go<to> when it is on the
// same minor line and older; with add, also when there is none and the go
// directive is on that line.
func bumpToolchain(f *modfile.File, minor, to string, add bool) ([]byte, bool, error) {
	switch {
	case f.Toolchain != nil:
		cur := strings.TrimPrefix(f.Toolchain.Name, "go")
		if add || minorOf(cur) != minor || patch.CompareVersions(cur, to) >= 0 {
			return nil, false, nil
		}
	case add && f.Go != nil && minorOf(f.Go.Version) == minor && patch.CompareVersions(f.Go.Version, to) < 0:
	default:
		return nil, false, nil
	}
	if err := f.AddToolchainStmt("go" + to); err != nil {
		return nil, false, err
	}
	out, err := f.Format()
	return out, err == nil, err
}

// bumpImages moves golang:<minor>.<patch><suffix> builder images to
// golang:<to><suffix> and returns what it could not do.
func bumpImages(df *containerfile.File, minor, to string) ([]string, error) {
	var notes []string
	for _, from := range golangFroms(df) {
		repo, tag, digest := containerfile.SplitRef(from.Image)
		m := golangTag.FindStringSubmatch(tag)
		if m == nil || m[1] != minor {
			continue
		}
		switch {
		case m[2] == "":
			notes = append(notes, fmt.Sprintf("%s is a floating tag; rebuild to pick up Go %s", from.Image, to))
			continue
		case patch.CompareVersions(minor+"."+m[2], to) >= 0:
			continue
		case digest != "":
			notes = append(notes, fmt.Sprintf("%s is pinned by digest; its digest was dropped with the tag change", from.Image))
		}
		if err := df.SetImage(from, containerfile.JoinRef(repo, to+m[3], "")); err != nil {
			return nil, err
		}
		// SetImage may have rewritten a shared ARG; later FROM lines see it.
		reparsed, err := containerfile.Parse(df.Bytes())
		if err != nil {
			return nil, err
		}
		*df = *reparsed
	}
	return notes, nil
}

func golangFroms(df *containerfile.File) []containerfile.From {
	var out []containerfile.From
	for _, from := range df.Froms {
		repo, _, _ := containerfile.SplitRef(from.Image)
		if !from.StageRef && path.Base(repo) == "golang" {
			out = append(out, from)
		}
	}
	return out
}

// alreadyAt reports whether a toolchain directive or golang image among
// deps is already at or past to on its minor line.
func alreadyAt(deps []patch.Dependency, minor, to string) bool {
	for _, d := range deps {
		v := strings.TrimPrefix(d.Version, "go")
		if d.Name != "toolchain" && path.Base(d.Name) != "golang" {
			continue
		}
		if m := golangTag.FindStringSubmatch(v); m != nil && m[1] == minor && m[2] != "" && patch.CompareVersions(minor+"."+m[2], to) >= 0 {
			return true
		}
	}
	return false
}

func minorOf(v string) string {
	v = strings.TrimPrefix(v, "go")
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return v
	}
	minor := parts[1]
	if i := strings.IndexAny(minor, "rcbeta"); i > 0 {
		minor = minor[:i]
	}
	return parts[0] + "." + minor
}

func readMod(dir, rel string) (*modfile.File, []byte, error) {
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", rel, err)
	}
	f, err := modfile.Parse(rel, data, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("parse %s: %w", rel, err)
	}
	return f, data, nil
}
