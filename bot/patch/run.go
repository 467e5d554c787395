package patch

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// maxToolOutput bounds how much of a failing tool's output an error carries.
const maxToolOutput = 2000

// RunTool runs an ecosystem's real tool in dir with the process environment
// plus env, and on failure returns an error carrying the end of its output.
func RunTool(ctx context.Context, dir string, env []string, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(out.String())
		if len(msg) > maxToolOutput {
			msg = "…" + msg[len(msg)-maxToolOutput:]
		}
		return out.Bytes(), fmt.Errorf("run %s %s: %w: %s", name, strings.Join(args, " "), err, msg)
	}
	return out.Bytes(), nil
}

// FirstLines is the start of a failing tool's output, for a note on an
// issue: the first error is the one a person reads, and a note stays short.
// The scratch directory's path is dropped (it changes every run; a note
// must not, or it would be posted again), and so are code fences, which
// would end the block the note shows it in.
func FirstLines(dir string, out []byte, err error) string {
	text := strings.TrimSpace(strings.ReplaceAll(string(out), dir+string(filepath.Separator), ""))
	if text == "" && err != nil {
		text = err.Error()
	}
	lines := strings.Split(text, "\n")
	if len(lines) > 8 {
		lines = append(lines[:8], "…")
	}
	return strings.ReplaceAll(strings.Join(lines, "\n"), "```", "'''")
}
