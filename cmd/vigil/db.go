package main

import (
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"gitlab.com/vigil-vm/vigil/ci/vulndb"
)

func newDBCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Build and inspect local vulnerability databases (grype v6 schema)",
	}
	cmd.AddCommand(newDBBuildCmd(), newDBMirrorCmd(), newDBStatusCmd())
	return cmd
}

func newDBBuildCmd() *cobra.Command {
	var (
		cfg      vulndb.BuildConfig
		goVulnDB bool
	)
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Build a vulnerability DB from local OSV, OS, GHSA, KEV and EPSS data with grype's builder",
		Example: `  vigil db build --go-vulndb --os testdata/vulndata/os --ghsa testdata/vulndata/ghsa \
      --kev testdata/vulndata/kev.json --epss testdata/vulndata/epss.csv --out ./vigil-db
  GRYPE_DB_CACHE_DIR=./vigil-db grype …   # the same DB works for the grype CLI`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if goVulnDB {
				dir, err := vulndb.GoVulnDB(cmd.Context())
				if err != nil {
					return err
				}
				cfg.OSVDirs = append(cfg.OSVDirs, dir)
			}
			start := time.Now()
			st, err := vulndb.Build(cmd.Context(), cfg, logger())
			if err != nil {
				return err
			}
			cmd.Printf("built %s in %s\n", st.Path, time.Since(start).Round(time.Millisecond))
			return printStatus(cmd, st)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&cfg.OSVDirs, "osv", nil, "directories of OSV records (e.g. golang.org/x/vulndb's data/osv)")
	fl.BoolVar(&goVulnDB, "go-vulndb", false, "add the Go vulnerability database, fetched as the golang.org/x/vulndb module")
	fl.StringSliceVar(&cfg.OSDirs, "os", nil, "directories of vunnel os-schema records (Debian, Alpine, … advisories)")
	fl.StringSliceVar(&cfg.GHSADirs, "ghsa", nil, "directories of vunnel GitHub advisory records")
	fl.StringVar(&cfg.KEVFile, "kev", "", "CISA Known Exploited Vulnerabilities catalog (JSON)")
	fl.StringVar(&cfg.EPSSFile, "epss", "", "FIRST EPSS scores (CSV, optionally gzipped)")
	fl.StringVar(&cfg.Out, "out", "", "output directory; the DB lands in OUT/6/vulnerability.db")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

func newDBMirrorCmd() *cobra.Command {
	var listing, out string
	cmd := &cobra.Command{
		Use:   "mirror",
		Short: "Install the database a grype listing names (grype's official one by default), verified by its checksum",
		Long: `Mirror downloads the database archive that a grype listing (latest.json) points at, checks it against the
listing's checksum and installs it in OUT/6/, so scans with --db OUT (for example on runners without internet
access, through the db-mirror component) find exactly what an online scan finds.`,
		Example: `  vigil db mirror --out ./vigil-db
  vigil db mirror --listing https://mirror.internal/grype/databases/v6/latest.json --out ./vigil-db`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			start := time.Now()
			st, err := vulndb.Mirror(cmd.Context(), listing, out)
			if err != nil {
				return err
			}
			cmd.Printf("mirrored %s into %s in %s\n", listing, st.Path, time.Since(start).Round(time.Millisecond))
			return printStatus(cmd, st)
		},
	}
	cmd.Flags().StringVar(&listing, "listing", vulndb.OfficialListing, "grype database listing (latest.json) to mirror")
	cmd.Flags().StringVar(&out, "out", "", "output directory; the DB lands in OUT/6/vulnerability.db")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

func newDBStatusCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Print what a local vulnerability DB holds and when it was built",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := vulndb.ReadStatus(dir)
			if err != nil {
				return err
			}
			return printStatus(cmd, st)
		},
	}
	cmd.Flags().StringVar(&dir, "db", os.Getenv("VIGIL_DB_DIR"), "DB directory (env VIGIL_DB_DIR)")
	_ = cmd.MarkFlagRequired("db")
	return cmd
}

func printStatus(cmd *cobra.Command, st vulndb.Status) error {
	w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "path\t%s\n", st.Path)
	fmt.Fprintf(w, "schema\t%s\n", st.SchemaVersion)
	fmt.Fprintf(w, "built\t%s (%s ago)\n", st.Built.Format(time.RFC3339), time.Since(st.Built).Round(time.Minute))
	fmt.Fprintf(w, "vulnerabilities\t%d\n", st.Vulnerabilities)
	fmt.Fprintf(w, "affected packages\t%d\n", st.Packages)
	fmt.Fprintf(w, "KEV entries\t%d\n", st.KEV)
	fmt.Fprintf(w, "EPSS scores\t%d\n", st.EPSS)
	for _, p := range st.Providers {
		fmt.Fprintf(w, "provider %s\t%d records, captured %s\n", p.Name, p.Records, p.Captured.Format(time.DateOnly))
	}
	return w.Flush()
}
