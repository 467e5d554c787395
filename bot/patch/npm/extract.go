package npm

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"gitlab.com/vigil-vm/vigil/bot/patch"
)

// depSections are the package.json objects that declare dependencies.
func depSections() []string {
	return []string{"dependencies", "devDependencies", "optionalDependencies"}
}

// manifest is the part of package.json the patcher reads.
type manifest struct {
	Dependencies         map[string]string `json:"dependencies"`
	DevDependencies      map[string]string `json:"devDependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
}

func (m manifest) direct(name string) (string, bool) {
	for _, s := range []map[string]string{m.Dependencies, m.DevDependencies, m.OptionalDependencies} {
		if v, ok := s[name]; ok {
			return v, true
		}
	}
	return "", false
}

// lockfile is the part of package-lock.json (v2, v3) the patcher reads.
type lockfile struct {
	LockfileVersion int `json:"lockfileVersion"`
	Packages        map[string]struct {
		Version string `json:"version"`
		Link    bool   `json:"link"`
	} `json:"packages"`
}

// installed maps a package name to the versions the lock file installs.
func (l lockfile) installed() map[string][]string {
	out := map[string][]string{}
	for key, p := range l.Packages {
		i := strings.LastIndex(key, "node_modules/")
		if i < 0 || p.Link || p.Version == "" {
			continue
		}
		name := key[i+len("node_modules/"):]
		out[name] = append(out[name], p.Version)
	}
	return out
}

func readJSON(dir, rel string, v any) error {
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return fmt.Errorf("read %s: %w", rel, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("parse %s: %w", rel, err)
	}
	return nil
}

func manifests(dir string) ([]string, error) {
	return patch.FindFiles(dir, "package.json")
}

// Extract lists, for every package.json, the packages its lock file
// installs (transitive ones marked Indirect), or its declared ranges when it
// has no lock file.
func (p *Patcher) Extract(ctx context.Context, dir string) ([]patch.Dependency, error) {
	files, err := manifests(dir)
	if err != nil {
		return nil, err
	}
	var deps []patch.Dependency
	for _, rel := range files {
		var m manifest
		if err := readJSON(dir, rel, &m); err != nil {
			return nil, err
		}
		lockRel := patch.Join(path.Dir(rel), "package-lock.json")
		var l lockfile
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(lockRel))); err != nil {
			for _, s := range []map[string]string{m.Dependencies, m.DevDependencies, m.OptionalDependencies} {
				for _, name := range sortedKeys(s) {
					deps = append(deps, patch.Dependency{Manifest: rel, Name: name, Version: s[name]})
				}
			}
			continue
		}
		if err := readJSON(dir, lockRel, &l); err != nil {
			return nil, err
		}
		inst := l.installed()
		for _, name := range sortedKeys(inst) {
			_, direct := m.direct(name)
			for _, v := range inst[name] {
				deps = append(deps, patch.Dependency{Manifest: lockRel, Name: name, Version: v, Indirect: !direct})
			}
		}
	}
	return deps, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
