package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/KimMachineGun/automemlimit/memlimit"
	"github.com/sethvargo/go-githubactions"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"gitlab.com/vigil-vm/vigil/ci/actions"
	"gitlab.com/vigil-vm/vigil/ci/gate"
	"gitlab.com/vigil-vm/vigil/ci/report"
	"gitlab.com/vigil-vm/vigil/ci/scan"
	"gitlab.com/vigil-vm/vigil/cmd/vigil/options"
)

const sourcesHelp = `IMAGE is a registry reference (alpine:3.19, registry.example.com/group/app@sha256:…) or, as in grype,
a source with a scheme: registry:REF, docker:REF and podman:REF (the local daemon), docker-archive:FILE
(docker save), oci-dir:DIR (an OCI layout; oci-layout: also works), dir:DIR, sbom:FILE (syft, CycloneDX
or SPDX). CS_IMAGE is read when no IMAGE is given.`

// scanOptions are the option groups of `vigil scan`; `vigil sbom` uses the
// source and output groups only.
type scanOptions struct {
	source options.Source
	output options.Output
	gate   options.Gate
	db     options.DB
}

func newScanOptions() *scanOptions {
	return &scanOptions{source: options.DefaultSource(), output: options.DefaultOutput(), gate: options.DefaultGate(), db: options.DefaultDB()}
}

// resolve layers the environment under the flags the user gave, takes the
// positional IMAGE and checks what can be checked before pulling anything.
func (o *scanOptions) resolve(cmd *cobra.Command, args []string, bindings ...[]options.EnvBinding) error {
	if err := options.ApplyEnv(cmd.Flags(), os.Getenv, bindings...); err != nil {
		return err
	}
	if err := o.source.SetTarget(cmd.Flags(), args); err != nil {
		return err
	}
	if strings.TrimSpace(o.source.Target) == "" {
		return fmt.Errorf("no image to scan: pass IMAGE (or --image), or set CS_IMAGE")
	}
	return o.output.Validate()
}

// softMemoryLimit sets Go's soft memory limit to 90% of the cgroup's
// memory limit when the job runs under one (a CI runner's container), so
// the collector works harder near the limit instead of the job being
// OOM-killed; GOMEMLIMIT, when set, wins, and AUTOMEMLIMIT=off disables it.
func softMemoryLimit() {
	_, _ = memlimit.Set() // no cgroup limit, or none readable: Go's default
}

func (o *scanOptions) scanRun() (scan.Options, error) {
	softMemoryLimit()
	min, _, err := o.output.MinSeverity()
	if err != nil {
		return scan.Options{}, err
	}
	maxCache, err := o.source.CacheMaxBytes()
	if err != nil {
		return scan.Options{}, err
	}
	tty := term.IsTerminal(int(os.Stderr.Fd()))
	return scan.Options{
		Target:      o.source.Target,
		OutputDir:   o.output.Dir,
		SBOMFormats: o.output.SBOMFormats,
		Image:       o.source.ImageOptions(),
		DB:          o.db.OpenOptions(),
		MinSeverity: min,
		// Only scan writes GitLab's report; sbom leaves the flag undefined.
		DefaultBranchImage: o.output.DefaultBranchImage,
		Project:            os.Getenv("CI_PROJECT_PATH"),
		Version:            vigilVersion(),
		Progress:           scan.NewProgress(os.Stderr, tty, o.output.Quiet || o.output.Print != options.PrintTable),
		Log:                logger(),
		CacheMaxSize:       maxCache,
	}, nil
}

func newScanCmd() *cobra.Command {
	o := newScanOptions()
	cmd := &cobra.Command{
		Use:   "scan [IMAGE]",
		Short: "Scan an image: SBOM, vulnerabilities, GitLab reports and a pass/fail gate",
		Long: `Scan pulls the image once, inventories it with syft, matches it with grype and writes
gl-container-scanning-report.json, gl-sbom-<name>.cdx.json, vigil-findings.json and vigil-summary.md.

` + sourcesHelp + `

Exit status: 0 when no unsuppressed finding reaches --fail-on, 1 when one does, 2 on any error.`,
		Example: `  vigil scan registry.example.com/group/app:1.2.3 --fail-on high
  vigil scan oci-dir:./image --db ./vigil-db --ignore-unfixed
  vigil scan docker:app:dev -o sarif > vigil.sarif`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			gha, err := actionInputs(cmd)
			if err != nil {
				return err
			}
			if err := o.resolve(cmd, args, o.source.Env(), o.output.Env(), o.gate.Env(), o.db.Env()); err != nil {
				return err
			}
			so, err := o.scanRun()
			if err != nil {
				return err
			}
			if so.Gate, err = o.gate.Load(); err != nil {
				return err
			}
			out, err := scan.Run(cmd.Context(), so)
			if err != nil {
				return err
			}
			if err := printReport(cmd.OutOrStdout(), o.output, out); err != nil {
				return err
			}
			if gha != nil {
				if err := publishAction(gha, o.output.Dir, out); err != nil {
					return err
				}
			}
			return verdict(out, so.Gate)
		},
	}
	fs := cmd.Flags()
	o.source.AddFlags(fs)
	o.output.AddFlags(fs, true)
	o.gate.AddFlags(fs)
	o.db.AddFlags(fs)
	return cmd
}

// printReport prints what -o asks for; SBOM formats are copies of the files
// just written, so the printed SBOM is the one kept as an artifact.
func printReport(w io.Writer, o options.Output, out *scan.Outcome) error {
	switch o.Print {
	case options.PrintJSON:
		return report.JSON(w, out.Report)
	case options.PrintSARIF:
		return report.SARIF(w, out.Report, "")
	case options.PrintCycloneDXJSON, options.PrintSPDXJSON:
		suffix := map[string]string{options.PrintCycloneDXJSON: ".cdx.json", options.PrintSPDXJSON: ".spdx.json"}[o.Print]
		for _, f := range out.Files {
			if strings.HasSuffix(f, suffix) {
				return copyFile(w, f)
			}
		}
		return fmt.Errorf("-o %s: no %s SBOM was written", o.Print, suffix)
	}
	if o.Quiet {
		return nil
	}
	return report.Table(w, out.Report)
}

func copyFile(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("print %s: %w", path, err)
	}
	defer f.Close()
	if _, err := io.Copy(w, f); err != nil {
		return fmt.Errorf("print %s: %w", path, err)
	}
	return nil
}

// verdict turns the gate into the exit status.
func verdict(out *scan.Outcome, g gate.Options) error {
	if len(out.Failing) == 0 {
		return nil
	}
	return &exitError{code: 1, msg: fmt.Sprintf("%d finding(s) at or above %s: failing the job", len(out.Failing), g.FailOn)}
}

// actionInputs applies a GitHub Action's inputs (INPUT_*) to the flags the
// user did not set; it returns nil outside GitHub Actions. It runs before
// the environment layer, so an action input beats CS_* variables.
func actionInputs(cmd *cobra.Command) (*githubactions.Action, error) {
	if !actions.Detect(os.Getenv) {
		return nil, nil
	}
	gha := githubactions.New()
	in, err := actions.Inputs(gha)
	if err != nil {
		return nil, err
	}
	fl := cmd.Flags()
	for flag, v := range map[string]string{
		"image": in.Image, "fail-on": in.FailOn, "allowlist": in.Allowlist, "vex": in.VEX,
		"output-dir": in.OutputDir, "db": in.DB, "sbom-format": in.SBOMFormats, "platform": in.Platform,
	} {
		if v != "" && !fl.Changed(flag) {
			if err := fl.Set(flag, v); err != nil {
				return nil, fmt.Errorf("action input %s: %w", flag, err)
			}
		}
	}
	if in.IgnoreUnfixed && !fl.Changed("ignore-unfixed") {
		if err := fl.Set("ignore-unfixed", "true"); err != nil {
			return nil, err
		}
	}
	return gha, nil
}

// publishAction writes the SARIF log code scanning reads, then the step's
// outputs, summary and annotations.
func publishAction(gha *githubactions.Action, dir string, out *scan.Outcome) error {
	paths := reportPaths(out.Files)
	sarifPath := filepath.Join(dir, actions.SARIFFile)
	f, err := os.Create(sarifPath)
	if err != nil {
		return fmt.Errorf("write %s: %w", sarifPath, err)
	}
	werr := report.SARIF(f, out.Report, "")
	if err := errors.Join(werr, f.Close()); err != nil {
		return fmt.Errorf("write %s: %w", sarifPath, err)
	}
	paths[actions.ReportSARIF] = sarifPath
	return actions.Publish(gha, out.Report, out.Failing, paths)
}

// reportPaths names the written reports for the GitHub Action's outputs.
func reportPaths(files []string) map[string]string {
	paths := map[string]string{}
	for _, f := range files {
		switch b := filepath.Base(f); {
		case b == report.FindingsFile:
			paths[actions.ReportFindings] = f
		case b == report.GitLabFile:
			paths[actions.ReportContainerScanning] = f
		case b == report.SummaryFile:
			paths[actions.ReportSummary] = f
		case strings.HasSuffix(b, ".cdx.json"):
			paths[actions.ReportCycloneDX] = f
		}
	}
	return paths
}

func newSBOMCmd() *cobra.Command {
	o := newScanOptions()
	cmd := &cobra.Command{
		Use:   "sbom [IMAGE]",
		Short: "Write only the SBOM of an image, directory or SBOM file",
		Long:  "Sbom inventories IMAGE with syft and writes the SBOM files only.\n\n" + sourcesHelp,
		Example: `  vigil sbom registry.example.com/group/app:1.2.3 --sbom-format cyclonedx,spdx
  vigil sbom docker-archive:app.tar`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.resolve(cmd, args, o.source.Env()); err != nil {
				return err
			}
			so, err := o.scanRun()
			if err != nil {
				return err
			}
			files, err := scan.SBOM(cmd.Context(), so)
			for _, f := range files {
				cmd.Println(f)
			}
			return err
		},
	}
	o.source.AddFlags(cmd.Flags())
	o.output.AddFlags(cmd.Flags(), false)
	return cmd
}
