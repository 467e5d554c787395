package gomod

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"gitlab.com/vigil-vm/vigil/bot/patch"
)

// goEnv makes the go command edit go.mod (never a workspace's), and never
// download another toolchain behind the bot's back.
func goEnv() []string { return []string{"GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local"} }

// artifacts writes the edited go.mod and lets the real go command finish the
// job: go get resolves what the new version needs and writes go.sum, go mod
// vendor refreshes vendor/ when the module vendors, go mod tidy by option.
func (p *Patcher) artifacts(ctx context.Context, dir, rel string, goMod []byte, pkg, to string) error {
	modPath := filepath.Join(dir, filepath.FromSlash(rel))
	modDir := filepath.Dir(modPath)
	if err := os.WriteFile(modPath, goMod, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	steps := [][]string{{"get", pkg + "@" + to}}
	if p.opts.Tidy {
		steps = append(steps, []string{"mod", "tidy"})
	}
	if fi, err := os.Stat(filepath.Join(modDir, "vendor")); err == nil && fi.IsDir() {
		steps = append(steps, []string{"mod", "vendor"})
	}
	for _, args := range steps {
		p.opts.Logger.InfoContext(ctx, "run go", "module", rel, "args", args)
		if _, err := patch.RunTool(ctx, modDir, goEnv(), p.opts.GoBin, args...); err != nil {
			return fmt.Errorf("update %s in %s: %w", pkg, rel, err)
		}
	}
	return nil
}
