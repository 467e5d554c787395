package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// rematch stores the syft-JSON SBOM of every measured image and runs
// BenchmarkRematch in ci/scan over them: stored SBOMs matched again, with no
// image pulled, against a DB opened afresh before each pass over them.
func rematch(ctx context.Context, root, work string, bins map[string]string, images []*imageResult, log *slog.Logger) ([]string, error) {
	dir := filepath.Join(work, "sboms")
	os.RemoveAll(dir)
	for _, im := range images {
		cmd := exec.CommandContext(ctx, bins["vigil"], "sbom", "--image", im.ref, "--insecure-registry", "--sbom-format", "syft",
			"--cache-dir", filepath.Join(work, "run", im.name, "warm-cache"), "--output-dir", dir, "-q")
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("store SBOM of %s: %w\n%s", im.ref, err, out)
		}
	}
	cmd := exec.CommandContext(ctx, "go", "test", "./ci/scan", "-run", "^$", "-bench", "Rematch", "-benchtime", "3s", "-count", "1")
	cmd.Dir = root
	// ci/scan's tests build the same DB (full Go vulndb plus testdata) themselves.
	cmd.Env = append(os.Environ(), "VIGIL_BENCH_SBOMS="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("go test -bench Rematch: %w\n%s", err, out)
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, "Benchmark") || strings.Contains(l, "rematch:") {
			lines = append(lines, strings.TrimSpace(l))
		}
	}
	return lines, nil
}
