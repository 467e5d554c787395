package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/readout"
	"gitlab.com/vigil-vm/vigil/cmd/vigil/options"
	"gitlab.com/vigil-vm/vigil/internal/sqlite"
)

func newReportCmd() *cobra.Command {
	opts := options.DefaultReport()
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Write the stakeholder read-out of a period from the bot's ledger: MTTR, SLA compliance, trends",
		Long: `report reads the history in the bot's ledger (--data) and writes the numbers of a period
and scope: open findings by severity and age, past due, SLA compliance, mean/median/p90 time to
remediate, new vs fixed per week, exceptions in force and expiring, the patch merge request
funnel, inventory coverage (when the inventory is in the ledger) and the groups and projects
with the most past-due findings.

--format html is one self-contained page (inline SVG charts, no script; prints to PDF),
md is GitLab Markdown for an issue or wiki page, csv and json are for spreadsheets.
The period is [--since, --until): by default the last calendar month.

A read-out saves checkpoints of the history at month starts in the ledger
when it can write to it: the first read-out of a month reads the whole
history, the ones after it little of it. The numbers are the same either
way.`,
		Example: `  vigil report --data vigil.db -o read-out.html
  vigil report --data vigil.db --since 2026-11-01 --until 2026-12-01 --group acme/payments --format md
  vigil report --data vigil.db --severity critical,high --format csv -o high.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ro, format, err := opts.Options(time.Now())
			if err != nil {
				return err
			}
			if _, err := os.Stat(opts.Data); err != nil {
				return fmt.Errorf("--data %s: %w (give the bot's ledger file)", opts.Data, err)
			}
			db, err := sqlite.Open(opts.Data, sqlite.Service())
			if err != nil {
				return err
			}
			defer db.Close()
			ctx := cmd.Context()
			l, err := ledger.Open(ctx, db, ledger.SQLite)
			if err != nil {
				return err
			}
			if ro.Coverage, err = readout.CoverageFrom(ctx, l, ro.Scope.Tier, opts.CoverageWindow, ro.Until); err != nil {
				return err
			}
			r, err := readout.FromLedger(ctx, l, ro)
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			if err := readout.Render(&buf, r, format); err != nil {
				return err
			}
			if opts.Output == "" {
				_, err = cmd.OutOrStdout().Write(buf.Bytes())
				return err
			}
			return writeAtomically(opts.Output, buf.Bytes())
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

// writeAtomically replaces path with data, never leaving half a file.
func writeAtomically(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".vigil-report-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Rename(tmp.Name(), path)
}
