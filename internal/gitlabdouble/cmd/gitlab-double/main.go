// Command gitlab-double serves the GitLab test double standalone, seeded from a YAML file.
package main

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	listen := flag.String("listen", "127.0.0.1:8929", "address to serve on (loopback: the control API has no auth)")
	seed := flag.String("seed", "", "YAML seed file: users, projects, files, labels and hooks to start with")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := gitlabdouble.Run(ctx, *listen, *seed, os.Stdout, logger); err != nil {
		logger.Error("gitlab double stopped", "err", err)
		os.Exit(1)
	}
}
