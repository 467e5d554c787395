package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sethvargo/go-githubactions"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"gitlab.com/vigil-vm/vigil/ci/actions"
	"gitlab.com/vigil-vm/vigil/ci/gate"
	"gitlab.com/vigil-vm/vigil/ci/image"
	"gitlab.com/vigil-vm/vigil/ci/report"
	"gitlab.com/vigil-vm/vigil/ci/sbom"
	"gitlab.com/vigil-vm/vigil/ci/scan"
	"gitlab.com/vigil-vm/vigil/ci/vulndb"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// scanFlags are shared by `vigil scan` and `vigil sbom`.
type scanFlags struct {
	target, outputDir, platform, cacheDir, name string
	formats                                     []string
	insecure, quiet                             bool
}

func (f *scanFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.target, "image", os.Getenv("CS_IMAGE"), "image to scan: REF, oci-layout:PATH, docker-archive:PATH, dir:PATH or sbom:PATH (env CS_IMAGE)")
	fl.StringVar(&f.outputDir, "output-dir", ".", "directory the reports are written to")
	fl.StringSliceVar(&f.formats, "sbom-format", []string{sbom.CycloneDX}, "SBOM formats to write: "+strings.Join(sbom.Formats, ", "))
	fl.StringVar(&f.platform, "platform", image.DefaultPlatform, "platform to pick from a multi-platform image")
	fl.BoolVar(&f.insecure, "insecure-registry", false, "allow a plain-HTTP registry")
	fl.StringVar(&f.cacheDir, "cache-dir", defaultCacheDir(), "cache of pulled layers, SBOMs and match results, by image digest (empty disables it)")
	fl.StringVar(&f.name, "name", "", "repository name to report for oci-layout, docker-archive, dir and sbom inputs")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print only errors and the gate's verdict")
}

func (f *scanFlags) options() (scan.Options, error) {
	for _, fm := range f.formats {
		if _, err := sbom.Encoder(fm); err != nil {
			return scan.Options{}, err
		}
	}
	tty := term.IsTerminal(int(os.Stderr.Fd()))
	return scan.Options{
		Target:      f.target,
		OutputDir:   f.outputDir,
		SBOMFormats: f.formats,
		Image:       image.Options{Platform: f.platform, Insecure: f.insecure, CacheDir: f.cacheDir, Name: f.name},
		Project:     os.Getenv("CI_PROJECT_PATH"),
		Version:     vigilVersion(),
		Progress:    scan.NewProgress(os.Stderr, tty, f.quiet),
		Log:         logger(),
	}, nil
}

func defaultCacheDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "vigil")
	}
	return ""
}

func newScanCmd() *cobra.Command {
	var (
		sf                               scanFlags
		failOn, allowlist, output, dbDir string
		vex                              []string
		ignoreUnfixed, allowStale        bool
		maxAge                           time.Duration
	)
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "Scan an image: SBOM, vulnerabilities, GitLab reports and a pass/fail gate",
		Long: `Scan pulls the image once, inventories it with syft, matches it with grype and writes
gl-container-scanning-report.json, gl-sbom-<name>.cdx.json, vigil-findings.json and vigil-summary.md.

Exit status: 0 when no unsuppressed finding reaches --fail-on, 1 when one does, 2 on any error.`,
		Example: `  vigil scan --image registry.example.com/group/app:1.2.3 --fail-on high
  vigil scan --image oci-layout:./image --db ./vigil-db --ignore-unfixed`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			gha, err := actionInputs(cmd)
			if err != nil {
				return err
			}
			o, err := sf.options()
			if err != nil {
				return err
			}
			o.DB = vulndb.OpenOptions{Dir: dbDir, MaxAge: maxAge, AllowStale: allowStale}
			if o.Gate, err = gateOptions(failOn, ignoreUnfixed, allowlist, vex); err != nil {
				return err
			}
			if output != "table" && output != "json" {
				return fmt.Errorf("unknown output %q (want table or json)", output)
			}
			out, err := scan.Run(cmd.Context(), o)
			if err != nil {
				return err
			}
			switch {
			case output == "json":
				err = report.JSON(cmd.OutOrStdout(), out.Report)
			case !sf.quiet:
				err = report.Table(cmd.OutOrStdout(), out.Report)
			}
			if err != nil {
				return err
			}
			if gha != nil {
				if err := actions.Publish(gha, out.Report, out.Failing, reportPaths(out.Files)); err != nil {
					return err
				}
			}
			return verdict(cmd, out, o.Gate)
		},
	}
	sf.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&failOn, "fail-on", os.Getenv("CS_SEVERITY_THRESHOLD"), "exit 1 when a finding at or above this severity remains: critical, high, medium, low, negligible, unknown, or none (env CS_SEVERITY_THRESHOLD)")
	fl.BoolVar(&ignoreUnfixed, "ignore-unfixed", envBool("CS_IGNORE_UNFIXED"), "suppress findings that have no fix (env CS_IGNORE_UNFIXED)")
	fl.StringVar(&allowlist, "allowlist", "", "GitLab vulnerability-allowlist.yml (default: ./vulnerability-allowlist.yml when present)")
	fl.StringSliceVar(&vex, "vex", nil, "OpenVEX documents whose not_affected/fixed statements suppress findings")
	fl.StringVarP(&output, "output", "o", "table", "what to print: table or json")
	fl.StringVar(&dbDir, "db", os.Getenv("VIGIL_DB_DIR"), "local vulnerability DB directory (from `vigil db build`); never updated over the network (env VIGIL_DB_DIR). Default: grype's DB, updated online")
	fl.DurationVar(&maxAge, "db-max-age", vulndb.DefaultMaxAge, "refuse a DB built longer ago than this")
	fl.BoolVar(&allowStale, "db-allow-stale", false, "scan with a DB older than --db-max-age")
	return cmd
}

func gateOptions(failOn string, ignoreUnfixed bool, allowlist string, vex []string) (gate.Options, error) {
	o := gate.Options{IgnoreUnfixed: ignoreUnfixed}
	if failOn != "" && !strings.EqualFold(failOn, "none") {
		s, err := findings.ParseSeverity(failOn)
		if err != nil {
			return o, fmt.Errorf("--fail-on: %w", err)
		}
		o.FailOn, o.FailOnSet = s, true
	}
	if allowlist == "" {
		if _, err := os.Stat("vulnerability-allowlist.yml"); err == nil {
			allowlist = "vulnerability-allowlist.yml"
		}
	}
	if allowlist != "" {
		al, err := gate.LoadAllowlist(allowlist)
		if err != nil {
			return o, err
		}
		o.Allowlist = al
	}
	for _, p := range vex {
		doc, err := gate.LoadVEX(p)
		if err != nil {
			return o, err
		}
		o.VEX = append(o.VEX, doc)
	}
	return o, nil
}

// verdict turns the gate into the exit status.
func verdict(cmd *cobra.Command, out *scan.Outcome, g gate.Options) error {
	if len(out.Failing) == 0 {
		return nil
	}
	return &exitError{code: 1, msg: fmt.Sprintf("%d finding(s) at or above %s: failing the job", len(out.Failing), g.FailOn)}
}

// actionInputs applies a GitHub Action's inputs (INPUT_*) to the flags the
// user did not set; it returns nil outside GitHub Actions.
func actionInputs(cmd *cobra.Command) (*githubactions.Action, error) {
	if !actions.Detect() {
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

func envBool(name string) bool {
	v, _ := strconv.ParseBool(os.Getenv(name))
	return v
}

func newSBOMCmd() *cobra.Command {
	var sf scanFlags
	cmd := &cobra.Command{
		Use:     "sbom",
		Short:   "Write only the SBOM of an image, directory or SBOM file",
		Example: `  vigil sbom --image registry.example.com/group/app:1.2.3 --sbom-format cyclonedx,spdx`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o, err := sf.options()
			if err != nil {
				return err
			}
			files, err := scan.SBOM(cmd.Context(), o)
			for _, f := range files {
				cmd.Println(f)
			}
			return err
		},
	}
	sf.register(cmd)
	return cmd
}
