// Command gitlab-double serves the GitLab test double standalone, seeded from a YAML file.
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := gitlabdouble.Run(ctx, os.Args[1:], os.Stdout, logger); err != nil {
		logger.Error("gitlab double stopped", "err", err)
		os.Exit(1)
	}
}
