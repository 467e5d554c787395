package patch

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// skipDir says which directories are never searched for manifests: other
// people's code, tools' state and test fixtures.
func skipDir(name string) bool {
	switch name {
	case ".git", "vendor", "node_modules", "testdata", ".venv":
		return true
	}
	return false
}

// Match reports whether the slash-separated path rel matches one of the
// manifest globs a patcher declares (Renovate's fileMatch, as globs): a
// glob without a slash matches the base name ("go.mod", "dockerfile.*"),
// one with slashes the path's last elements ("requirements/*.txt"). Case
// is ignored, as Dockerfile and dockerfile are the same manifest.
func Match(rel string, globs ...string) bool {
	rel = strings.ToLower(rel)
	parts := strings.Split(rel, "/")
	for _, g := range globs {
		n := strings.Count(g, "/") + 1
		if n > len(parts) {
			continue
		}
		if ok, _ := path.Match(strings.ToLower(g), strings.Join(parts[len(parts)-n:], "/")); ok {
			return true
		}
	}
	return false
}

// FindFiles returns the slash-separated paths under dir, relative to it,
// that match one of the globs. Vendored code, node_modules, testdata and
// .git are not searched.
func FindFiles(dir string, globs ...string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if rel = filepath.ToSlash(rel); Match(rel, globs...) {
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("search %s for manifests: %w", dir, err)
	}
	return out, nil
}

// Snapshot is the content of a set of files at one moment, keyed by
// slash-separated path relative to a root.
type Snapshot map[string][]byte

// Take reads every regular file under root/sub (sub may be a file or a
// directory; a missing one is skipped) into a snapshot keyed relative to root.
func Take(root string, subs ...string) (Snapshot, error) {
	s := Snapshot{}
	for _, sub := range subs {
		start := filepath.Join(root, filepath.FromSlash(sub))
		if _, err := os.Lstat(start); os.IsNotExist(err) {
			continue
		}
		err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			s[filepath.ToSlash(rel)] = b
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", start, err)
		}
	}
	return s, nil
}

// Into adds the differences from before to after to the change.
func (before Snapshot) Into(after Snapshot, c *Change) {
	if c.Files == nil {
		c.Files = map[string][]byte{}
	}
	for p, b := range after {
		if old, ok := before[p]; !ok || !bytes.Equal(old, b) {
			c.Files[p] = b
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			c.Deleted = append(c.Deleted, p)
		}
	}
}

// Restore writes the snapshot back under root and removes the files under
// subs (the paths it was taken of) that it does not hold.
func (before Snapshot) Restore(root string, subs ...string) error {
	now, err := Take(root, subs...)
	if err != nil {
		return err
	}
	for p := range now {
		if _, ok := before[p]; !ok {
			if err := os.Remove(filepath.Join(root, filepath.FromSlash(p))); err != nil {
				return fmt.Errorf("restore %s: %w", p, err)
			}
		}
	}
	for p, b := range before {
		target := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return fmt.Errorf("restore %s: %w", p, err)
		}
		if err := os.WriteFile(target, b, 0o644); err != nil {
			return fmt.Errorf("restore %s: %w", p, err)
		}
	}
	return nil
}

// Join is path.Join for the slash-separated paths of a Change, "." dropped.
func Join(elem ...string) string {
	return strings.TrimPrefix(path.Join(elem...), "./")
}
