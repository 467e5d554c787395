package main

import (
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"gitlab.com/vigil-vm/vigil/bot/patch/mr"
	"gitlab.com/vigil-vm/vigil/ci/image"
	"gitlab.com/vigil-vm/vigil/ci/verify"
)

func newPatchCmd() *cobra.Command {
	o := mr.RunOptions{Options: mr.Defaults()}
	v := &verify.Verifier{}
	cmd := &cobra.Command{
		Use:   "patch",
		Short: "Open merge requests that fix the findings of a scan (for teams that do not run the bot)",
		Long: `patch reads vigil-findings.json and, for every finding with a known fix, opens or updates one
merge request per manifest and package: go.mod (with the real go command), the Go toolchain,
Dockerfile base images (verified by scanning the candidate), npm and pip. The token comes from
VIGIL_GITLAB_TOKEN (a project access token with api and write_repository).`,
		Example: `  VIGIL_GITLAB_TOKEN=… vigil patch --findings vigil-findings.json --min-severity high
  vigil patch --findings vigil-findings.json --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			defer v.Close()
			o.Verifier = v
			res, err := mr.Run(cmd.Context(), o, nil, logger())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "ACTION\tECOSYSTEM\tPACKAGE\tFROM\tTO\tSEVERITY\tMR\tNOTE")
			for _, oc := range res.Outcomes {
				mrRef := ""
				if oc.MR > 0 {
					mrRef = fmt.Sprintf("!%d", oc.MR)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", oc.Action, oc.Ecosystem, oc.Package, oc.From, oc.To, oc.Severity, mrRef, oc.Reason)
			}
			for _, u := range res.Unfixable {
				fmt.Fprintf(w, "unfixable\t\t%s\t%s\t\t%s\t\t%s\n", u.Finding.Package.Name, u.Finding.Package.Version, u.Finding.Vulnerability.Severity, u.Reason)
			}
			return w.Flush()
		},
	}
	o.AddFlags(cmd.Flags())
	fl := cmd.Flags()
	fl.StringVar(&v.DB.Dir, "db", os.Getenv("VIGIL_DB_DIR"), "vulnerability DB used to verify base-image bumps (env VIGIL_DB_DIR; default: grype's)")
	fl.BoolVar(&v.DB.AllowStale, "db-allow-stale", false, "verify with a DB older than its maximum age")
	fl.BoolVar(&v.Image.Insecure, "insecure-registry", false, "allow plain-HTTP registries when verifying base images")
	v.Image.Platform = image.DefaultPlatform
	return cmd
}
