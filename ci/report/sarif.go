package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/owenrumney/go-sarif/sarif"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// InformationURI is where SARIF readers send people who ask about the tool.
const InformationURI = "https://gitlab.com/vigil-vm/vigil"

// SARIF writes rep as a SARIF 2.1.0 log, the shape GitHub code scanning
// (github/codeql-action/upload-sarif) reads: one rule per vulnerability and
// package, results located at the package's file inside the image, a
// security-severity property from the CVSS score so GitHub ranks them, and
// suppressed findings kept with their reason. image names the scanned image
// in messages; the asset stands in when empty.
func SARIF(w io.Writer, rep *findings.Report, image string) error {
	if rep == nil {
		return fmt.Errorf("write SARIF: no findings report")
	}
	if image == "" {
		image = rep.Asset.Repository
	}
	log, err := sarif.New(sarif.Version210)
	if err != nil {
		return fmt.Errorf("write SARIF: %w", err)
	}
	run := sarif.NewRun(rep.Scanner.Name, InformationURI)
	run.Tool.Driver.WithVersion(rep.Scanner.Version)
	for _, f := range sorted(rep.Findings) {
		id := ruleID(f)
		if _, err := run.GetRuleById(id); err != nil {
			addRule(run, id, f)
		}
		res := run.AddResult(id).
			WithLevel(sarifLevel(f.Vulnerability.Severity)).
			WithMessage(sarif.NewTextMessage(resultMessage(f, image))).
			WithLocation(sarif.NewLocationWithPhysicalLocation(sarif.NewPhysicalLocation().
				WithArtifactLocation(sarif.NewSimpleArtifactLocation(locationURI(f, image))).
				WithRegion(sarif.NewSimpleRegion(1, 1)))).
			WithPartialFingerPrints(map[string]any{"vigilFingerprint/v1": f.Fingerprint})
		if s := f.Suppression; s != nil {
			res.WithSuppression(sarif.NewSuppression("external").WithJustifcation(s.Kind + ": " + s.Reason))
		}
	}
	log.AddRun(run)
	if err := log.PrettyWrite(w); err != nil {
		return fmt.Errorf("write SARIF: %w", err)
	}
	return nil
}

func ruleID(f findings.Finding) string {
	return f.Vulnerability.ID + "-" + f.Package.Name
}

func addRule(run *sarif.Run, id string, f findings.Finding) {
	v := f.Vulnerability
	short := fmt.Sprintf("%s %s vulnerability in %s %s", v.ID, v.Severity, f.Package.Name, f.Package.Version)
	help := fmt.Sprintf("Vulnerability %s\nSeverity: %s\nPackage: %s %s (%s)\nFixed in: %s", v.ID, v.Severity,
		f.Package.Name, f.Package.Version, f.Package.Type, fixText(f.Fix))
	rule := run.AddRule(id).
		WithName(ruleName(f)).
		WithShortDescription(sarif.NewMultiformatMessageString(short)).
		WithFullDescription(sarif.NewMultiformatMessageString(firstNonEmpty(v.Description, short))).
		WithHelp(help)
	if len(v.URLs) > 0 {
		rule.WithHelpURI(v.URLs[0])
	}
	props := sarif.Properties{"tags": []string{"security", "vulnerability", f.Package.Type}}
	if score, ok := bestScore(v); ok {
		props["security-severity"] = fmt.Sprintf("%.1f", score)
	} else {
		props["security-severity"] = severityScore(v.Severity)
	}
	rule.WithProperties(props)
}

// ruleName is a PascalCase identifier, as SARIF asks of rule names.
func ruleName(f findings.Finding) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(f.Package.Type+" "+f.Package.Name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String() + "PackageMatch"
}

func resultMessage(f findings.Finding, image string) string {
	return fmt.Sprintf("%s (%s) in %s %s, found in %s at %s; fixed in: %s", f.Vulnerability.ID, f.Vulnerability.Severity,
		f.Package.Name, f.Package.Version, image, locationURI(f, image), fixText(f.Fix))
}

// locationURI is the package's file inside the image, relative as code
// scanning wants it; an SBOM or a package without locations points at the
// image itself.
func locationURI(f findings.Finding, image string) string {
	for _, l := range f.Package.Locations {
		if p := strings.TrimLeft(l.Path, "/"); p != "" {
			return p
		}
	}
	return image
}

func fixText(fx findings.Fix) string {
	if len(fx.Versions) == 0 {
		return "no fix (" + string(fx.State) + ")"
	}
	return strings.Join(fx.Versions, ", ")
}

// sarifLevel follows grype's SARIF output.
func sarifLevel(s findings.Severity) string {
	switch s {
	case findings.Critical, findings.High:
		return "error"
	case findings.Medium:
		return "warning"
	}
	return "note"
}

func bestScore(v findings.Vulnerability) (float64, bool) {
	best, ok := 0.0, false
	for _, c := range v.CVSS {
		if c.BaseScore > best {
			best, ok = c.BaseScore, true
		}
	}
	return best, ok
}

// severityScore stands in for a CVSS score GitHub ranks by.
func severityScore(s findings.Severity) string {
	switch s {
	case findings.Critical:
		return "9.5"
	case findings.High:
		return "8.0"
	case findings.Medium:
		return "5.0"
	case findings.Low:
		return "2.0"
	}
	return "0.0"
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
