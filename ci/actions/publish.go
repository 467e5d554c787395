package actions

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/sethvargo/go-githubactions"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Keys of the reportPaths map given to Publish; each becomes a step output
// of that name holding the file's path. action.yml declares these outputs.
const (
	ReportFindings          = "findings"           // vigil-findings.json
	ReportContainerScanning = "container-scanning" // gl-container-scanning-report.json
	ReportCycloneDX         = "cyclonedx"          // gl-sbom-<name>.cdx.json
	ReportSummary           = "summary"            // vigil-summary.md
	ReportSARIF             = "sarif-file"         // vigil.sarif, for github/codeql-action/upload-sarif
)

// SARIFFile is the SARIF log the scan writes into the output directory in
// GitHub Actions.
const SARIFFile = "vigil.sarif"

// Result outputs.
const (
	ResultPass = "pass"
	ResultFail = "fail"
)

var outputName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// Publish reports a scan to GitHub Actions. It sets the step outputs
// `result` (pass or fail), `total`, `failing`, `suppressed`, one count per
// severity (`critical` … `unknown`, unsuppressed findings) and one output
// per reportPaths entry; appends a Markdown summary to the job summary; and
// prints one error annotation per failing finding. failing is what the gate
// rejected; the step fails when it is not empty, which is the caller's exit
// code to give.
func Publish(a *githubactions.Action, rep *findings.Report, failing []findings.Finding, reportPaths map[string]string) (err error) {
	if rep == nil {
		return errors.New("publish to GitHub Actions: no report")
	}
	for _, env := range []string{"GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"} {
		if a.Getenv(env) == "" {
			return fmt.Errorf("publish to GitHub Actions: %s is not set", env)
		}
	}
	for k := range reportPaths {
		if !outputName.MatchString(k) {
			return fmt.Errorf("publish to GitHub Actions: %q is not a valid output name", k)
		}
	}
	// go-githubactions panics when it cannot write a file command.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("publish to GitHub Actions: %v", r)
		}
	}()

	active := rep.Active()
	counts := countBySeverity(active)
	result := ResultPass
	if len(failing) > 0 {
		result = ResultFail
	}
	a.SetOutput("result", result)
	a.SetOutput("total", strconv.Itoa(len(active)))
	a.SetOutput("failing", strconv.Itoa(len(failing)))
	a.SetOutput("suppressed", strconv.Itoa(len(rep.Findings)-len(active)))
	for _, s := range findings.Severities() {
		a.SetOutput(strings.ToLower(s.String()), strconv.Itoa(counts[s]))
	}
	for _, k := range slices.Sorted(maps.Keys(reportPaths)) {
		a.SetOutput(k, reportPaths[k])
	}

	a.AddStepSummary(Summary(rep, failing, reportPaths))

	for _, f := range failing {
		a.WithFieldsMap(map[string]string{"title": annotationTitle(f)}).Errorf("%s", annotationMessage(f))
	}
	return nil
}

func countBySeverity(fs []findings.Finding) map[findings.Severity]int {
	counts := map[findings.Severity]int{}
	for _, f := range fs {
		counts[f.Vulnerability.Severity]++
	}
	return counts
}

func annotationTitle(f findings.Finding) string {
	return fmt.Sprintf("%s %s in %s", f.Vulnerability.Severity, f.Key(), f.Package.Name)
}

func annotationMessage(f findings.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s (%s) is affected by %s", f.Package.Name, f.Package.Version, f.Package.Type, f.Vulnerability.ID)
	if f.Key() != f.Vulnerability.ID {
		fmt.Fprintf(&b, " (%s)", f.Key())
	}
	fmt.Fprintf(&b, ", severity %s", f.Vulnerability.Severity)
	if f.Vulnerability.KEV != nil {
		b.WriteString(", known to be exploited (CISA KEV)")
	}
	b.WriteString(". ")
	b.WriteString(fixText(f.Fix))
	if len(f.Package.Locations) > 0 {
		fmt.Fprintf(&b, " Found at %s.", f.Package.Locations[0].Path)
	}
	if len(f.Vulnerability.URLs) > 0 {
		fmt.Fprintf(&b, " %s", f.Vulnerability.URLs[0])
	}
	return b.String()
}

func fixText(fix findings.Fix) string {
	switch {
	case fix.State == findings.FixAvailable && len(fix.Versions) > 0:
		return "Fixed in " + strings.Join(fix.Versions, ", ") + "."
	case fix.State == findings.FixWontFix:
		return "The vendor will not fix it."
	case fix.State == findings.FixUnavailable:
		return "No fix is available yet."
	}
	return "Fix status unknown."
}

// OutputNames lists the step outputs Publish always sets; the report paths
// come on top, named by the reportPaths keys.
func OutputNames() []string {
	names := []string{"result", "total", "failing", "suppressed"}
	for _, s := range findings.Severities() {
		names = append(names, strings.ToLower(s.String()))
	}
	return names
}
