package main

import (
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

func vigilVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "vigil",
		Short:         "Vulnerability management that lives inside GitLab",
		Long:          "vigil scans container images in CI (SBOM, vulnerabilities, GitLab reports, a gate) and runs a bot that\nturns findings into SLA-tracked GitLab issues and patch merge requests.",
		SilenceUsage:  true,
		SilenceErrors: true,
		// --version, as grype and trivy have; `vigil version` adds what it links.
		Version: vigilVersion(),
	}
	root.SetVersionTemplate("vigil {{.Version}}\n")
	root.AddCommand(newScanCmd(), newSBOMCmd(), newDBCmd(), newDemoCmd(), newBotCmd(), newPatchCmd(), newInventoryCmd(), newReportCmd(), newVersionCmd())
	return root
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print vigil's version and the grype and syft it links",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cmd.Printf("vigil %s\n", vigilVersion())
			if info, ok := debug.ReadBuildInfo(); ok {
				for _, d := range info.Deps {
					switch d.Path {
					case "github.com/anchore/grype", "github.com/anchore/syft", "github.com/google/go-containerregistry":
						cmd.Printf("  %s %s\n", d.Path, d.Version)
					}
				}
			}
			return nil
		},
	}
}

// logger writes structured logs to stderr; debug with VIGIL_DEBUG=1.
func logger() *slog.Logger {
	level := slog.LevelWarn
	if os.Getenv("VIGIL_DEBUG") != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}
