package npm

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"gitlab.com/vigil-vm/vigil/bot/patch"
)

// npmEnv keeps npm quiet and away from anything but the lock file.
func npmEnv() []string {
	return []string{"npm_config_update_notifier=false", "npm_config_fund=false", "npm_config_audit=false"}
}

// artifacts regenerates package-lock.json with the real npm, without
// installing anything or running scripts, and returns the versions of pkg
// the new lock file still installs below version, or why npm failed.
func (p *Patcher) artifacts(ctx context.Context, dir, modDir, pkg, version string) ([]string, string) {
	abs := filepath.Join(dir, filepath.FromSlash(modDir))
	p.opts.Logger.InfoContext(ctx, "run npm", "dir", modDir, "package", pkg, "version", version)
	if out, err := patch.RunTool(ctx, abs, npmEnv(), p.opts.NPMBin,
		"install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"); err != nil {
		return nil, fmt.Sprintf("`npm install --package-lock-only` failed in %s:\n\n```\n%s\n```", patch.Join(modDir, "package.json"), patch.FirstLines(dir, out, err))
	}
	var l lockfile
	if err := readJSON(dir, patch.Join(modDir, "package-lock.json"), &l); err != nil {
		return nil, err.Error()
	}
	return belowList(l.installed()[pkg], version), ""
}

// verify asks npm ci, as the project's CI will run it, whether the new
// package.json and package-lock.json agree; --dry-run installs nothing.
func (p *Patcher) verify(ctx context.Context, dir string, t target) (check, blocked string) {
	abs := filepath.Join(dir, filepath.FromSlash(path.Dir(t.rel)))
	if out, err := patch.RunTool(ctx, abs, npmEnv(), p.opts.NPMBin,
		"ci", "--dry-run", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"); err != nil {
		return "", fmt.Sprintf("the regenerated %s does not satisfy `npm ci`:\n\n```\n%s\n```", t.lockRel, patch.FirstLines(dir, out, err))
	}
	return fmt.Sprintf("`npm ci --dry-run --ignore-scripts` accepted `%s` with `%s`", t.rel, t.lockRel), ""
}

// lockChanges lists every package version the new lock file moves, by
// install path, so the merge request says what npm changed besides pkg.
func lockChanges(rel string, before, after []byte, asked string) []VersionChange {
	was, now := lockVersions(before), lockVersions(after)
	keys := map[string]bool{}
	for k := range was {
		keys[k] = true
	}
	for k := range now {
		keys[k] = true
	}
	var out []VersionChange
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if was[k] == now[k] {
			continue
		}
		name := k[strings.LastIndex(k, "node_modules/")+len("node_modules/"):]
		v := VersionChange{Manifest: rel, Name: name, From: was[k], To: now[k]}
		if name != asked {
			v.Why = "moved by npm with " + asked
		}
		out = append(out, v)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// VersionChange is patch.VersionChange, named here for brevity.
type VersionChange = patch.VersionChange

func lockVersions(data []byte) map[string]string {
	var l struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}
	out := map[string]string{}
	if json.Unmarshal(data, &l) != nil {
		return out
	}
	for k, v := range l.Packages {
		if k != "" && strings.Contains(k, "node_modules/") {
			out[k] = v.Version
		}
	}
	return out
}
