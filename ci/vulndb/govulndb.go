package vulndb

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// GoVulnDBModule is the pinned golang.org/x/vulndb version whose data/osv
// tree is the Go vulnerability database vigil builds from.
const GoVulnDBModule = "golang.org/x/vulndb@v0.0.0-20261105234957-e22db6528018"

// GoVulnDB fetches the pinned golang.org/x/vulndb through the Go module proxy
// (or the module cache) and returns its data/osv directory.
func GoVulnDB(ctx context.Context) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", GoVulnDBModule)
	cmd.Dir = os.TempDir() // outside any module: never touches a go.mod
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var info struct {
		Dir   string
		Error string
	}
	if err := json.Unmarshal(stdout.Bytes(), &info); err != nil && runErr == nil {
		return "", fmt.Errorf("download %s: read go output: %w", GoVulnDBModule, err)
	}
	if info.Error != "" {
		return "", fmt.Errorf("download %s: %s", GoVulnDBModule, info.Error)
	}
	if runErr != nil {
		return "", fmt.Errorf("download %s: %w: %s", GoVulnDBModule, runErr, strings.TrimSpace(stderr.String()))
	}
	dir := filepath.Join(info.Dir, "data", "osv")
	if _, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("download %s: %w", GoVulnDBModule, err)
	}
	return dir, nil
}
