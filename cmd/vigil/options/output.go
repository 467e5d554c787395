package options

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"gitlab.com/vigil-vm/vigil/ci/sbom"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Formats `-o` prints to standard output, as grype names them.
const (
	PrintTable         = "table"
	PrintJSON          = "json"
	PrintSARIF         = "sarif"
	PrintCycloneDXJSON = "cyclonedx-json"
	PrintSPDXJSON      = "spdx-json"
)

// PrintFormats lists the valid -o values.
var PrintFormats = []string{PrintTable, PrintJSON, PrintSARIF, PrintCycloneDXJSON, PrintSPDXJSON}

// Output says which reports are written and what is printed.
type Output struct {
	Dir         string
	SBOMFormats []string
	Print       string
	Quiet       bool
	// Threshold is GitLab's CS_SEVERITY_THRESHOLD: the lowest severity the
	// container-scanning report lists. It never fails the job.
	Threshold string
	// DefaultBranchImage is GitLab's CS_DEFAULT_BRANCH_IMAGE.
	DefaultBranchImage string
}

// DefaultOutput is Output before environment and flags.
func DefaultOutput() Output {
	return Output{Dir: ".", SBOMFormats: []string{sbom.CycloneDX}, Print: PrintTable}
}

var outputEnv = []EnvBinding{
	{"severity-threshold", []string{"CS_SEVERITY_THRESHOLD"}},
	{"default-branch-image", []string{"CS_DEFAULT_BRANCH_IMAGE"}},
}

// Env lists the environment variables that stand in for Output's flags.
func (o *Output) Env() []EnvBinding { return outputEnv }

// AddFlags registers Output's flags; reportFlags is false for `vigil sbom`,
// which writes no findings report.
func (o *Output) AddFlags(fs *pflag.FlagSet, reportFlags bool) {
	fs.StringVar(&o.Dir, "output-dir", o.Dir, "directory the reports are written to")
	fs.StringSliceVar(&o.SBOMFormats, "sbom-format", o.SBOMFormats, "SBOM formats to write: "+strings.Join(sbom.Formats, ", "))
	fs.BoolVarP(&o.Quiet, "quiet", "q", o.Quiet, "print only errors and the gate's verdict")
	if reportFlags {
		fs.StringVarP(&o.Print, "output", "o", o.Print, "what to print: "+strings.Join(PrintFormats, ", "))
		fs.StringVar(&o.Threshold, "severity-threshold", o.Threshold, envHelp("lowest severity listed in GitLab's container-scanning report (a filter, never a gate)", "CS_SEVERITY_THRESHOLD"))
		fs.StringVar(&o.DefaultBranchImage, "default-branch-image", o.DefaultBranchImage, envHelp("the image's name on the default branch, so GitLab tracks its vulnerabilities across branches", "CS_DEFAULT_BRANCH_IMAGE"))
	}
}

// Validate normalises the SBOM formats (GitLab users write "cyclonedx, spdx")
// and checks the names; a printed SBOM format is also written.
func (o *Output) Validate() error {
	var formats []string
	for _, f := range o.SBOMFormats {
		f = strings.ToLower(strings.TrimSpace(f))
		if f == "" {
			continue
		}
		if _, err := sbom.Encoder(f); err != nil {
			return fmt.Errorf("--sbom-format: %w", err)
		}
		if !slices.Contains(formats, f) {
			formats = append(formats, f)
		}
	}
	if !slices.Contains(PrintFormats, o.Print) {
		return fmt.Errorf("-o %q: want one of %s", o.Print, strings.Join(PrintFormats, ", "))
	}
	if f := o.PrintedSBOM(); f != "" && !slices.Contains(formats, f) {
		formats = append(formats, f)
	}
	if len(formats) == 0 {
		formats = []string{sbom.CycloneDX}
	}
	o.SBOMFormats = formats
	if _, _, err := o.MinSeverity(); err != nil {
		return err
	}
	return nil
}

// PrintedSBOM is the SBOM format -o prints, or "".
func (o *Output) PrintedSBOM() string {
	switch o.Print {
	case PrintCycloneDXJSON:
		return sbom.CycloneDX
	case PrintSPDXJSON:
		return sbom.SPDX
	}
	return ""
}

// MinSeverity parses Threshold; ok is false when every finding is listed.
func (o *Output) MinSeverity() (findings.Severity, bool, error) {
	if t := strings.TrimSpace(o.Threshold); t == "" {
		return findings.Unknown, false, nil
	}
	s, err := findings.ParseSeverity(o.Threshold)
	if err != nil {
		return s, false, fmt.Errorf("--severity-threshold: %w", err)
	}
	return s, s > findings.Unknown, nil
}
