package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"gitlab.com/vigil-vm/vigil/bot/inventory"
	"gitlab.com/vigil-vm/vigil/bot/inventory/config"
)

func newInventoryCmd() *cobra.Command {
	var (
		path    string
		output  string
		gaps    bool
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "inventory",
		Short: "List every image in the configured registries and clusters, with owners, tiers and where each runs",
		Long: `inventory reads an inventory config (YAML: sources, owner and tier rules), lists every
source (GitLab's container registry, any OCI registry, ECR, Artifact Registry/GCR, ACR,
Kubernetes clusters) and prints one asset table. A source that cannot be listed fails alone:
the others are still printed, and its error is reported (and is a gap with --gaps).

Exit status: 0, or 1 with --gaps when there is a gap, 2 when the config cannot be read.`,
		Example: `  vigil inventory --config inventory.yml
  vigil inventory --config inventory.yml -o json
  vigil inventory --config inventory.yml --gaps`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "table" && output != "json" && output != "csv" {
				return fmt.Errorf("-o %s: want table, json or csv", output)
			}
			cfg, err := config.Read(path)
			if err != nil {
				return err
			}
			ctx, cancel := cmd.Context(), context.CancelFunc(func() {})
			if timeout > 0 {
				ctx, cancel = context.WithTimeout(ctx, timeout)
			}
			defer cancel()
			results := inventory.List(ctx, config.Build(ctx, cfg, os.Getenv), cfg.Workers)
			for _, r := range results {
				if r.Err != nil {
					logger().Warn("source not listed", "source", r.Source, "type", r.Type, "error", r.Err.Error())
				}
			}
			report := inventory.NewReport(results, cfg.Rules, gaps, nil)
			if err := writeReport(cmd, report, output); err != nil {
				return err
			}
			if gaps && len(report.Gaps) > 0 {
				return &exitError{code: 1, msg: fmt.Sprintf("%d coverage gaps", len(report.Gaps))}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&path, "config", "inventory.yml", "inventory config file (YAML; ${VAR} is expanded from the environment)")
	fl.StringVarP(&output, "output", "o", "table", "output format: table, json or csv")
	fl.BoolVar(&gaps, "gaps", false, "list coverage gaps: sources that could not be listed, and running digests found in no registry source")
	fl.DurationVar(&timeout, "timeout", 10*time.Minute, "give up on sources still listing after this long (0: never)")
	return cmd
}

func writeReport(cmd *cobra.Command, r inventory.Report, output string) error {
	switch output {
	case "json":
		return r.WriteJSON(cmd.OutOrStdout())
	case "csv":
		return r.WriteCSV(cmd.OutOrStdout())
	}
	return r.WriteTable(cmd.OutOrStdout())
}
