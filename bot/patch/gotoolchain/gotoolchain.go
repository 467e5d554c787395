package gotoolchain

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"golang.org/x/mod/modfile"

	"gitlab.com/vigil-vm/vigil/bot/patch"
	"gitlab.com/vigil-vm/vigil/bot/patch/internal/containerfile"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Patcher bumps the Go toolchain.
type Patcher struct{}

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

// Update moves every toolchain directive and golang:<minor>.x image on the
// fixed release's minor line up to it. When the repository has neither, a
// toolchain directive is added to go.mod files on that line.
func (Patcher) Update(ctx context.Context, dir string, fix patch.Fix) (patch.Result, error) {
	to := strings.TrimPrefix(fix.To, "go")
	m := releaseRE.FindStringSubmatch(to)
	if m == nil {
		// Not a release a toolchain line can name: nothing here to move.
		return patch.Result{Status: patch.Absent}, nil
	}
	minor := m[1]
	c := patch.Change{Files: map[string][]byte{}}
	mods, err := patch.FindFiles(dir, "go.mod")
	if err != nil {
		return patch.Result{}, err
	}
	for _, rel := range mods {
		f, data, err := readMod(dir, rel)
		if err != nil {
			return patch.Result{}, err
		}
		if out, ok, err := bumpToolchain(f, minor, to, false); err != nil {
			return patch.Result{}, fmt.Errorf("update %s: %w", rel, err)
		} else if ok && string(out) != string(data) {
			c.Files[rel] = out
		}
	}
	dfs, err := patch.FindFiles(dir, containerfile.Globs...)
	if err != nil {
		return patch.Result{}, err
	}
	for _, rel := range dfs {
		df, orig, err := containerfile.Read(dir, rel)
		if err != nil {
			return patch.Result{}, err
		}
		notes, err := bumpImages(df, minor, to)
		if err != nil {
			return patch.Result{}, fmt.Errorf("update %s: %w", rel, err)
		}
		for _, n := range notes {
			c.Notes = append(c.Notes, rel+": "+n)
		}
		if out := df.Bytes(); string(out) != string(orig) {
			c.Files[rel] = out
		}
	}
	if c.Empty() {
		for _, rel := range mods {
			f, _, err := readMod(dir, rel)
			if err != nil {
				return patch.Result{}, err
			}
			if out, ok, err := bumpToolchain(f, minor, to, true); err != nil {
				return patch.Result{}, fmt.Errorf("update %s: %w", rel, err)
			} else if ok {
				c.Files[rel] = out
				c.Notes = append(c.Notes, fmt.Sprintf("%s: added `toolchain go%s` so builds use a fixed standard library", rel, to))
			}
		}
	}
	if c.Empty() && alreadyAt(ctx, dir, minor, to) {
		return patch.Result{Status: patch.Current}, nil
	}
	if c.Empty() {
		// No toolchain, go line or golang image on that line: the binary
		// was built elsewhere, and its issue already says so.
		return patch.Result{Status: patch.Absent}, nil
	}
	c.To = "go" + to
	if fix.From != "" {
		c.From = "go" + strings.TrimPrefix(fix.From, "go")
	}
	return patch.Propose(c), nil
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

// alreadyAt reports whether a toolchain directive or golang image is
// already at or past to on its minor line.
func alreadyAt(ctx context.Context, dir, minor, to string) bool {
	deps, err := extract(dir)
	if err != nil {
		return false
	}
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
