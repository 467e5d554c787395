package main

import (
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"gitlab.com/vigil-vm/vigil/ci/scan"
	"gitlab.com/vigil-vm/vigil/internal/demo"
)

func newDemoCmd() *cobra.Command {
	o := demo.Options{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole loop on embedded defaults: build a DB and a vulnerable image, scan it, file issues",
		Long: `demo needs no GitLab and no internet beyond the Go module proxy. It builds a vulnerability DB
from the real Go vulnerability database (golang.org/x/vulndb) plus testdata's OS advisories,
builds a deliberately vulnerable image from testdata/, serves it from an in-process registry
and scans it by reference. Then a GitLab test double receives the finished pipeline with the
scan's artifacts and sends its Job Hook to the bot (SQLite), which opens the labeled,
confidential issues with SLA due dates; they are printed at the end. Run it from the root of
the vigil repository.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Root == "" {
				o.Root, _ = os.Getwd()
			}
			o.Out, o.Version, o.Log = cmd.OutOrStdout(), vigilVersion(), logger()
			tty := term.IsTerminal(int(os.Stderr.Fd()))
			progress := scan.NewProgress(os.Stderr, tty, false)
			out, err := demo.Scan(cmd.Context(), o, progress)
			if err != nil {
				return err
			}
			return demo.Loop(cmd.Context(), o, out, progress)
		},
	}
	cmd.Flags().StringVar(&o.WorkDir, "work-dir", filepath.Join(".cache", "demo"), "where the demo DB and reports go (reused between runs)")
	cmd.Flags().StringVar(&o.Root, "root", "", "the vigil repository (default: the current directory)")
	cmd.Flags().BoolVar(&o.Month, "month", false, "replay a scripted month after the scan (fixes, an exception, a merged patch, a deviation, the SLA sweep), for vigil report on the ledger it leaves")
	return cmd
}
