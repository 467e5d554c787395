package npm

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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
