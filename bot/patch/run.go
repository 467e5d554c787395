package patch

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
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
