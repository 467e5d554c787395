package gomod

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"

	"gitlab.com/vigil-vm/vigil/bot/patch"
)

// versions lists what go get moved in one go.mod: every requirement,
// direct or indirect, and the go and toolchain lines, with the reason for
// a go line that rose (the module that declares the higher one).
func (p *Patcher) versions(ctx context.Context, rel string, before, after []byte, asked string) ([]patch.VersionChange, error) {
	old, err := parseGoMod(rel, before)
	if err != nil {
		return nil, err
	}
	cur, err := parseGoMod(rel, after)
	if err != nil {
		return nil, err
	}
	was, now := requireMap(old), requireMap(cur)
	var out []patch.VersionChange
	for _, path := range slices.Sorted(maps.Keys(merged(was, now))) {
		if was[path] == now[path] {
			continue
		}
		v := patch.VersionChange{Manifest: rel, Name: path, From: was[path], To: now[path]}
		if path != asked {
			v.Why = "raised by `go get " + asked + "@" + now[asked] + "` (a requirement of the new version)"
		}
		out = append(out, v)
	}
	if g0, g1 := goVersion(old), goVersion(cur); g0 != g1 {
		out = append(out, patch.VersionChange{Manifest: rel, Name: "go", From: g0, To: g1, Why: p.whyGo(ctx, cur, g1)})
	}
	if t0, t1 := toolchain(old), toolchain(cur); t0 != t1 {
		out = append(out, patch.VersionChange{Manifest: rel, Name: "toolchain", From: t0, To: t1, Why: "written by go get with the go line"})
	}
	return out, nil
}

// whyGo names the required modules whose own go.mod asks for goVer, read
// from the module cache go get just filled.
func (p *Patcher) whyGo(ctx context.Context, f *modfile.File, goVer string) string {
	cache, err := p.modCache(ctx)
	var who []string
	if err == nil {
		for _, r := range f.Require {
			if g := cachedGoLine(cache, r.Mod); g == goVer {
				who = append(who, r.Mod.Path+"@"+r.Mod.Version)
			}
		}
	}
	if len(who) == 0 {
		return "go get raised it for the new requirements"
	}
	if len(who) > 3 {
		who = append(who[:3], fmt.Sprintf("%d more", len(who)-3))
	}
	return "required by " + strings.Join(who, ", ") + ", which declare `go " + goVer + "`"
}

func cachedGoLine(cache string, m module.Version) string {
	ep, err1 := module.EscapePath(m.Path)
	ev, err2 := module.EscapeVersion(m.Version)
	if err1 != nil || err2 != nil {
		return ""
	}
	data, err := os.ReadFile(filepath.Join(cache, "cache", "download", ep, "@v", ev+".mod"))
	if err != nil {
		return ""
	}
	mf, err := modfile.ParseLax("go.mod", data, nil)
	if err != nil {
		return ""
	}
	return goVersion(mf)
}

// modCache is the go command's module cache, asked once.
func (p *Patcher) modCache(ctx context.Context) (string, error) {
	p.cacheOnce.Do(func() {
		out, err := patch.RunTool(ctx, os.TempDir(), getEnv(), p.opts.GoBin, "env", "GOMODCACHE")
		p.cacheDir, p.cacheErr = strings.TrimSpace(string(out)), err
	})
	return p.cacheDir, p.cacheErr
}

func requireMap(f *modfile.File) map[string]string {
	m := map[string]string{}
	for _, r := range f.Require {
		m[r.Mod.Path] = r.Mod.Version
	}
	return m
}

// merged is a and b in one map (only its keys are read).
func merged(a, b map[string]string) map[string]string {
	out := maps.Clone(a)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, b)
	return out
}

func goVersion(f *modfile.File) string {
	if f.Go == nil {
		return ""
	}
	return f.Go.Version
}

func toolchain(f *modfile.File) string {
	if f.Toolchain == nil {
		return ""
	}
	return f.Toolchain.Name
}
