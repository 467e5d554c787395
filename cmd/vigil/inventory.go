package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"gitlab.com/vigil-vm/vigil/bot/inventory"
	"gitlab.com/vigil-vm/vigil/bot/inventory/config"
	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/cmd/vigil/options"
	"gitlab.com/vigil-vm/vigil/internal/sqlite"
)

func newInventoryCmd() *cobra.Command {
	opts := options.DefaultInventory()
	cmd := &cobra.Command{
		Use:   "inventory",
		Short: "List every image in the configured registries and clusters, with owners, tiers and where each runs",
		Long: `inventory reads an inventory config (YAML: sources, owner and tier rules), lists every
source (GitLab's container registry, any OCI registry, ECR, Artifact Registry/GCR, ACR,
Kubernetes clusters) and prints one asset table. A source that cannot be listed fails alone:
the others are still printed, and its error is reported (and is a gap with --gaps).

With --data the run is stored in the bot's ledger (images with first and last seen, where
each digest runs), and --gaps names running digests the ledger has no complete scan of.

Exit status: 0, or 1 with --gaps when there is a gap, 2 when the config cannot be read.`,
		Example: `  vigil inventory --config inventory.yml
  vigil inventory --config inventory.yml -o json
  vigil inventory --config inventory.yml --gaps`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.Validate(); err != nil {
				return err
			}
			cfg, err := config.Read(opts.Config, os.Getenv)
			if err != nil {
				return err
			}
			ctx, cancel := cmd.Context(), context.CancelFunc(func() {})
			if opts.Timeout > 0 {
				ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
			}
			defer cancel()
			results := inventory.List(ctx, config.Build(ctx, cfg, os.Getenv), cfg.Workers)
			for _, r := range results {
				if r.Err != nil {
					logger().Warn("source not listed", "source", r.Source, "type", r.Type, "error", r.Err.Error())
				}
			}
			var store *ledger.Ledger
			var scanned inventory.Scanned
			if opts.Data != "" {
				if store, scanned, err = openAssetStore(ctx, opts.Data); err != nil {
					return err
				}
				defer store.DB().Close()
			}
			report := inventory.NewReport(results, cfg.Rules, opts.Gaps, scanned)
			if store != nil {
				if _, err := store.Assets().Record(ctx, report, time.Now()); err != nil {
					return err
				}
			}
			if err := writeReport(cmd, report, opts.Print); err != nil {
				return err
			}
			if opts.Gaps && len(report.Gaps) > 0 {
				return &exitError{code: 1, msg: fmt.Sprintf("%d coverage gaps", len(report.Gaps))}
			}
			return nil
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

// openAssetStore opens the ledger at path and reads the digests it has
// complete scans of.
func openAssetStore(ctx context.Context, path string) (*ledger.Ledger, inventory.Scanned, error) {
	db, err := sqlite.Open(path, sqlite.Service())
	if err != nil {
		return nil, nil, err
	}
	l, err := ledger.Open(ctx, db, ledger.SQLite)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	digests, err := l.Assets().ScannedDigests(ctx)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return l, func(d string) (time.Time, bool) { t, ok := digests[d]; return t, ok }, nil
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
