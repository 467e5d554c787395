package gate

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// MaxAllowlistBytes bounds the allowlist file read.
const MaxAllowlistBytes = 4 << 20

// Allowlist is GitLab's vulnerability-allowlist.yml: vulnerability ids
// allowed everywhere (generalallowlist) and per image (images). Ids are kept
// upper-case; each maps to its optional comment.
type Allowlist struct {
	// Name is the file name reasons cite.
	Name    string
	General map[string]string
	// Images maps an image name as written (repository, optionally with
	// registry, tag or digest) to its allowed ids.
	Images map[string]map[string]string
}

// LoadAllowlist reads a vulnerability-allowlist.yml file.
func LoadAllowlist(path string) (*Allowlist, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read allowlist: %w", err)
	}
	if info.Size() > MaxAllowlistBytes {
		return nil, fmt.Errorf("read allowlist %s: larger than %d bytes", path, MaxAllowlistBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read allowlist: %w", err)
	}
	a, err := ParseAllowlist(path, data)
	if err != nil {
		return nil, err
	}
	a.Name = filepath.Base(path)
	return a, nil
}

// ParseAllowlist reads the allowlist format from data; name is the file
// name errors cite.
func ParseAllowlist(name string, data []byte) (*Allowlist, error) {
	a := &Allowlist{Name: filepath.Base(name), General: map[string]string{}, Images: map[string]map[string]string{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: not valid YAML: %w", name, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 { // empty file: nothing allowed
		return a, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return a, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: want a map with generalallowlist and images, got %s", name, root.Line, kind(root))
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "generalallowlist", "generalwhitelist": // the second is the format's old name
			ids, err := idMap(name, k.Value, v)
			if err != nil {
				return nil, err
			}
			for id, reason := range ids {
				a.General[id] = reason
			}
		case "images":
			if isNull(v) {
				continue
			}
			if v.Kind != yaml.MappingNode {
				return nil, fmt.Errorf("%s:%d: images: want a map of image name to vulnerability ids, got %s", name, v.Line, kind(v))
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				ik, iv := v.Content[j], v.Content[j+1]
				img := strings.TrimSpace(ik.Value)
				if ik.Kind != yaml.ScalarNode || img == "" {
					return nil, fmt.Errorf("%s:%d: images: want an image name, got %s", name, ik.Line, kind(ik))
				}
				ids, err := idMap(name, "images: "+img, iv)
				if err != nil {
					return nil, err
				}
				if a.Images[img] == nil {
					a.Images[img] = map[string]string{}
				}
				for id, reason := range ids {
					a.Images[img][id] = reason
				}
			}
		default:
			return nil, fmt.Errorf("%s:%d: unknown key %q (want generalallowlist or images)", name, k.Line, k.Value)
		}
	}
	return a, nil
}

// idMap reads "CVE-…: optional comment" entries.
func idMap(name, field string, n *yaml.Node) (map[string]string, error) {
	out := map[string]string{}
	if isNull(n) {
		return out, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: %s: want a map of vulnerability id to comment, got %s", name, n.Line, field, kind(n))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		id := strings.ToUpper(strings.TrimSpace(k.Value))
		if k.Kind != yaml.ScalarNode || id == "" {
			return nil, fmt.Errorf("%s:%d: %s: want a vulnerability id, got %s", name, k.Line, field, kind(k))
		}
		if strings.ContainsAny(id, " \t") {
			return nil, fmt.Errorf("%s:%d: %s: %q is not a vulnerability id", name, k.Line, field, k.Value)
		}
		switch {
		case isNull(v):
			out[id] = ""
		case v.Kind == yaml.ScalarNode:
			out[id] = strings.TrimSpace(v.Value)
		default:
			return nil, fmt.Errorf("%s:%d: %s: %s: want a comment, got %s", name, v.Line, field, k.Value, kind(v))
		}
	}
	return out, nil
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func kind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a map"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "nothing"
}

// match finds the first of ids the allowlist allows for img and says why.
func (a *Allowlist) match(img image, ids []string) (string, bool) {
	for _, id := range ids {
		id = strings.ToUpper(id)
		if reason, ok := a.General[id]; ok {
			return a.because("", reason), true
		}
		for _, entry := range slices.Sorted(maps.Keys(a.Images)) {
			if reason, ok := a.Images[entry][id]; ok && img.matches(entry) {
				return a.because(entry, reason), true
			}
		}
	}
	return "", false
}

func (a *Allowlist) because(entry, reason string) string {
	where := "allowlisted in " + a.Name
	if entry != "" {
		where = "allowlisted for " + entry + " in " + a.Name
	}
	if reason == "" {
		return where
	}
	return where + ": " + reason
}
