package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"
	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/patch/dockerfile"
	"gitlab.com/vigil-vm/vigil/bot/patch/ecosystems"
	"gitlab.com/vigil-vm/vigil/bot/patch/mr"
	"gitlab.com/vigil-vm/vigil/ci/image"
	"gitlab.com/vigil-vm/vigil/ci/verify"
	"gitlab.com/vigil-vm/vigil/cmd/vigil/options"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// patchFlags are `vigil patch`'s settings; the CI job's variables fill
// what the flags leave empty.
type patchFlags struct {
	mr.Options
	gitlabURL, project, findingsFile, targetBranch string
	goModTidy, pinDigest                           bool
}

func newPatchCmd() *cobra.Command {
	f, db := patchFlags{Options: mr.Defaults()}, options.DefaultDB()
	v := &verify.Verifier{Image: image.Options{Env: os.Getenv, CacheDir: options.DefaultSource().CacheDir}}
	cmd := &cobra.Command{
		Use:   "patch",
		Short: "Open merge requests that fix the findings of a scan (for teams that do not run the bot)",
		Long: `patch reads vigil-findings.json and, for every finding with a known fix, opens or updates one
merge request per manifest and package: go.mod (with the real go command, then go build), the Go
toolchain, Dockerfile base images (verified by scanning the candidate), npm (checked with npm ci)
and pip. The token comes from VIGIL_GITLAB_TOKEN (a project access token with api and
write_repository); base images are listed with the scanner's registry credentials
(CS_REGISTRY_USER/CS_REGISTRY_PASSWORD, CI_REGISTRY_*, docker config).`,
		Example: `  VIGIL_GITLAB_TOKEN=… vigil patch --findings vigil-findings.json --min-severity high
  vigil patch --findings vigil-findings.json --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := options.ApplyEnv(cmd.Flags(), os.Getenv, patchEnv, db.Env()); err != nil {
				return err
			}
			v.DB = db.OpenOptions()
			defer v.Close()
			res, err := runPatch(cmd.Context(), f, v, logger())
			if err != nil {
				return err
			}
			return printOutcomes(cmd.OutOrStdout(), res)
		},
	}
	options.AddMergeRequestFlags(cmd.Flags(), &f.Options)
	fl := cmd.Flags()
	fl.StringVar(&f.gitlabURL, "gitlab-url", "", "GitLab API v4 URL (env CI_API_V4_URL)")
	fl.StringVar(&f.project, "project", "", "project path or id (env CI_PROJECT_PATH)")
	fl.StringVar(&f.findingsFile, "findings", "vigil-findings.json", "vigil findings report to patch")
	fl.StringVar(&f.targetBranch, "target-branch", "", "branch the merge requests target (default: the project's default branch)")
	fl.BoolVar(&f.DryRun, "dry-run", false, "only list the fixes that would be tried; no GitLab call")
	fl.BoolVar(&f.goModTidy, "go-mod-tidy", false, "run go mod tidy after go get")
	fl.BoolVar(&f.pinDigest, "pin-digest", false, "pin bumped base images by digest")
	db.AddFlags(fl) // the DB that verifies base-image bumps
	fl.BoolVar(&v.Image.Insecure, "insecure-registry", false, "allow plain-HTTP registries, for listing base image tags and scanning candidates")
	v.Image.Platform = image.DefaultPlatform
	return cmd
}

// patchEnv: in a CI job, the job's own variables name the GitLab and the
// project.
var patchEnv = []options.EnvBinding{{Flag: "gitlab-url", Env: []string{"CI_API_V4_URL"}}, {Flag: "project", Env: []string{"CI_PROJECT_PATH"}}}

// runPatch reads the report and reconciles the project's merge requests
// with every patcher; the verifier's registry access lists the tags too.
func runPatch(ctx context.Context, f patchFlags, v *verify.Verifier, log *slog.Logger) (*mr.Result, error) {
	url, project := f.gitlabURL, f.project
	token := cmp.Or(os.Getenv("VIGIL_GITLAB_TOKEN"), os.Getenv("GITLAB_TOKEN")) // never a flag: flags show in process lists
	if !f.DryRun {
		switch {
		case url == "":
			return nil, fmt.Errorf("patch: no GitLab URL (--gitlab-url or $CI_API_V4_URL)")
		case token == "":
			return nil, fmt.Errorf("patch: no token ($VIGIL_GITLAB_TOKEN or $GITLAB_TOKEN)")
		case project == "":
			return nil, fmt.Errorf("patch: no project (--project or $CI_PROJECT_PATH)")
		}
	}
	rep, err := readFindingsFile(f.findingsFile)
	if err != nil {
		return nil, err
	}
	var client *gitlab.Client
	if !f.DryRun {
		if client, err = gitlab.NewClient(token, gitlab.WithBaseURL(url)); err != nil {
			return nil, fmt.Errorf("patch: make GitLab client: %w", err)
		}
	}
	ps := ecosystems.All(ecosystems.Options{GoModTidy: f.goModTidy, Logger: log,
		Dockerfile: dockerfile.Options{PinDigest: f.pinDigest, Verifier: v, Registry: v.Image.Registry()}})
	e := mr.New(client, ps, nil, f.Options, log)
	return e.Reconcile(ctx, mr.Request{Project: mr.Project{ID: project, DefaultBranch: f.targetBranch}, Findings: rep.Active()})
}

func readFindingsFile(path string) (*findings.Report, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("patch: open findings: %w", err)
	}
	defer fh.Close()
	rep, err := findings.Read(fh, 0)
	if err != nil {
		return nil, fmt.Errorf("patch: read %s: %w", path, err)
	}
	return rep, nil
}

func printOutcomes(out io.Writer, res *mr.Result) error {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
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
}
