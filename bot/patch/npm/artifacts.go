package npm

import (
	"context"
	"fmt"
	"path/filepath"

	"gitlab.com/vigil-vm/vigil/bot/patch"
)

// npmEnv keeps npm quiet and away from anything but the lock file.
func npmEnv() []string {
	return []string{"npm_config_update_notifier=false", "npm_config_fund=false", "npm_config_audit=false"}
}

// artifacts regenerates package-lock.json with the real npm, without
// installing anything or running scripts, and returns the versions of pkg
// the new lock file still installs below version.
func (p *Patcher) artifacts(ctx context.Context, dir, modDir, pkg, version string) ([]string, error) {
	abs := filepath.Join(dir, filepath.FromSlash(modDir))
	p.opts.Logger.InfoContext(ctx, "run npm", "dir", modDir, "package", pkg, "version", version)
	if _, err := patch.RunTool(ctx, abs, npmEnv(), p.opts.NPMBin,
		"install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"); err != nil {
		return nil, fmt.Errorf("update %s in %s: %w", pkg, modDir, err)
	}
	var l lockfile
	if err := readJSON(dir, patch.Join(modDir, "package-lock.json"), &l); err != nil {
		return nil, err
	}
	return belowList(l.installed()[pkg], version), nil
}
