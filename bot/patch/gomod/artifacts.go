package gomod

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"gitlab.com/vigil-vm/vigil/bot/patch"
)

// getEnv lets go get edit go.mod and go.sum (never a workspace's), and
// never download another toolchain behind the bot's back.
func getEnv() []string { return []string{"GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local"} }

// buildEnv is what a user's CI does with the merge request: build from the
// committed go.mod, go.sum and vendor/ alone.
func buildEnv(vendored bool) []string {
	mode := "-mod=readonly"
	if vendored {
		mode = "-mod=vendor"
	}
	return []string{"GOFLAGS=" + mode, "GOWORK=off", "GOTOOLCHAIN=local"}
}

// artifacts lets the real go command make the change: go get on the
// unedited go.mod, so that it resolves what the new version needs and
// records the hash of every module it pulls in (writing go.mod first hides
// the upgrade from it and leaves go.sum short); then go mod tidy by option
// and go mod vendor when the module vendors. It returns why it failed, as
// a sentence for the tracking issue, or "".
func (p *Patcher) artifacts(ctx context.Context, dir, rel, pkg, to string) string {
	modDir := filepath.Join(dir, filepath.FromSlash(path.Dir(rel)))
	steps := [][]string{{"get", pkg + "@" + to}}
	if p.opts.Tidy {
		steps = append(steps, []string{"mod", "tidy"})
	}
	if vendored(modDir) {
		steps = append(steps, []string{"mod", "vendor"})
	}
	for _, args := range steps {
		p.opts.Logger.InfoContext(ctx, "run go", "module", rel, "args", args)
		if out, err := patch.RunTool(ctx, modDir, getEnv(), p.opts.GoBin, args...); err != nil {
			return fmt.Sprintf("`go %s` failed in %s:\n\n```\n%s\n```", strings.Join(args, " "), rel, patch.FirstLines(dir, out, err))
		}
	}
	return ""
}

// verify builds every package of the module the way its CI will, and
// returns what ran for the merge request, or why it failed for the issue.
func (p *Patcher) verify(ctx context.Context, dir, rel string) (check, failed string) {
	modDir := filepath.Join(dir, filepath.FromSlash(path.Dir(rel)))
	env := buildEnv(vendored(modDir))
	flags := strings.TrimPrefix(env[0], "GOFLAGS=")
	p.opts.Logger.InfoContext(ctx, "verify go module", "module", rel)
	if out, err := patch.RunTool(ctx, modDir, env, p.opts.GoBin, "build", "./..."); err != nil {
		return "", fmt.Sprintf("the patched module does not build: `go build ./...` (%s, GOTOOLCHAIN=local) in %s failed:\n\n```\n%s\n```", flags, rel, patch.FirstLines(dir, out, err))
	}
	return fmt.Sprintf("`go build ./...` with %s, GOWORK=off and GOTOOLCHAIN=local passed for `%s`", flags, rel), ""
}

// baseline says whether the unpatched module builds here, so that a person
// reading a failed build knows whether the bump or the environment (cgo,
// a private module) is at fault. It restores before into dir to find out.
func (p *Patcher) baseline(ctx context.Context, dir, rel string, before patch.Snapshot, watched []string) string {
	if err := before.Restore(dir, watched...); err != nil {
		return ""
	}
	if _, failed := p.verify(ctx, dir, rel); failed != "" {
		return "\n\nThe default branch does not build here either, so the cause is not this bump; vigil proposes it once the module builds."
	}
	return "\n\nThe default branch builds, so the bump breaks the build: the code needs a change for the new version."
}

func vendored(modDir string) bool {
	fi, err := os.Stat(filepath.Join(modDir, "vendor"))
	return err == nil && fi.IsDir()
}
