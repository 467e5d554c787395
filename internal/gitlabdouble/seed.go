package gitlabdouble

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// Seed is the YAML document a standalone double starts from.
type Seed struct {
	GitLabVersion string        `yaml:"gitlab_version"`
	Users         []SeedUser    `yaml:"users"`
	Projects      []SeedProject `yaml:"projects"`
}

// SeedUser is a user with a fixed token.
type SeedUser struct {
	Username string `yaml:"username"`
	Token    string `yaml:"token"`
	// Access is the role on every project without an explicit membership:
	// "", guest, planner, reporter, developer, maintainer or owner.
	Access string `yaml:"access"`
}

// SeedProject is a project with its repository, members, labels and hooks.
type SeedProject struct {
	Path          string            `yaml:"path"`
	Description   string            `yaml:"description"`
	DefaultBranch string            `yaml:"default_branch"`
	Visibility    string            `yaml:"visibility"`
	Members       map[string]string `yaml:"members"` // username → role
	Files         map[string]string `yaml:"files"`   // path → content
	// FilesFrom is a directory whose files are added to the repository,
	// relative to the seed file.
	FilesFrom string      `yaml:"files_from"`
	Labels    []SeedLabel `yaml:"labels"`
	Hooks     []SeedHook  `yaml:"hooks"`
}

// SeedLabel is a project label.
type SeedLabel struct {
	Name        string `yaml:"name"`
	Color       string `yaml:"color"`
	Description string `yaml:"description"`
}

// SeedHook is a project webhook; Events are API names such as job_events.
type SeedHook struct {
	URL    string   `yaml:"url"`
	Token  string   `yaml:"token"`
	Events []string `yaml:"events"`
}

// ParseSeed reads a seed document, rejecting unknown fields so typos surface.
func ParseSeed(r io.Reader) (Seed, error) {
	var s Seed
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil && err != io.EOF {
		return Seed{}, fmt.Errorf("parse seed: %w", err)
	}
	for _, u := range s.Users {
		if u.Username == "" {
			return Seed{}, fmt.Errorf("parse seed: a user has no username")
		}
		if _, err := parseAccess(u.Access); err != nil {
			return Seed{}, fmt.Errorf("parse seed: user %s: %w", u.Username, err)
		}
	}
	for _, p := range s.Projects {
		if !strings.Contains(strings.Trim(p.Path, "/"), "/") {
			return Seed{}, fmt.Errorf("parse seed: project path %q needs a namespace, like group/app", p.Path)
		}
		for name, role := range p.Members {
			if _, err := parseAccess(role); err != nil {
				return Seed{}, fmt.Errorf("parse seed: project %s member %s: %w", p.Path, name, err)
			}
		}
		for _, h := range p.Hooks {
			if !validHookURL(h.URL) {
				return Seed{}, fmt.Errorf("parse seed: project %s: invalid hook url %q", p.Path, h.URL)
			}
		}
	}
	return s, nil
}

func parseAccess(s string) (AccessLevel, error) {
	switch strings.ToLower(s) {
	case "", "none":
		return NoAccess, nil
	case "guest":
		return Guest, nil
	case "planner":
		return Planner, nil
	case "reporter":
		return Reporter, nil
	case "developer":
		return Developer, nil
	case "maintainer":
		return Maintainer, nil
	case "owner":
		return Owner, nil
	}
	return NoAccess, fmt.Errorf("unknown access level %q", s)
}

// Apply creates the seed's users, projects, labels and hooks. dir resolves
// files_from paths (usually the seed file's directory). It returns each
// user's token by username.
func (s *Server) Apply(seed Seed, dir string) (map[string]string, error) {
	if seed.GitLabVersion != "" {
		s.mu.Lock()
		s.version = seed.GitLabVersion
		s.mu.Unlock()
	}
	tokens := map[string]string{}
	ids := map[string]int{}
	for _, u := range seed.Users {
		lvl, _ := parseAccess(u.Access)
		user, tok := s.AddUser(u.Username, lvl)
		if u.Token != "" {
			s.AddToken(u.Username, u.Token)
			tok = u.Token
		}
		tokens[u.Username], ids[u.Username] = tok, user.ID
	}
	for _, sp := range seed.Projects {
		files := map[string][]byte{}
		if sp.FilesFrom != "" {
			root := sp.FilesFrom
			if !filepath.IsAbs(root) {
				root = filepath.Join(dir, root)
			}
			if err := readTree(root, files); err != nil {
				return nil, fmt.Errorf("seed project %s: %w", sp.Path, err)
			}
		}
		for p, c := range sp.Files {
			files[p] = []byte(c)
		}
		members := map[int]AccessLevel{}
		for name, role := range sp.Members {
			id, ok := ids[name]
			if !ok {
				return nil, fmt.Errorf("seed project %s: member %s is not a seeded user", sp.Path, name)
			}
			members[id], _ = parseAccess(role)
		}
		var labels []LabelSpec
		for _, l := range sp.Labels {
			labels = append(labels, LabelSpec(l))
		}
		p := s.AddProject(ProjectSpec{
			Path: sp.Path, Description: sp.Description, DefaultBranch: sp.DefaultBranch,
			Visibility: sp.Visibility, Files: files, Members: members, Labels: labels,
		})
		for _, h := range sp.Hooks {
			s.AddHook(p.ID, HookSpec(h))
		}
	}
	return tokens, nil
}

// LoadSeedFile parses the seed at path and applies it to s.
func (s *Server) LoadSeedFile(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read seed: %w", err)
	}
	seed, err := ParseSeed(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return s.Apply(seed, filepath.Dir(path))
}

func readTree(root string, into map[string][]byte) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		into[filepath.ToSlash(rel)] = b
		return nil
	})
}
