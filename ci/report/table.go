package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Table writes the findings as an aligned plain-text table for a job log:
// active findings most severe first, then the suppressed ones with why, then
// a one-line total.
func Table(w io.Writer, rep *findings.Report) error {
	active, suppressed := split(rep)
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 4, 2, ' ', 0)
	if len(active)+len(suppressed) > 0 {
		fmt.Fprintln(tw, "SEVERITY\tVULNERABILITY\tPACKAGE\tINSTALLED\tFIXED IN\tNOTE")
	}
	for _, f := range active {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", f.Vulnerability.Severity, f.Key(), cell(f.Package.Name), cell(f.Package.Version), fixedIn(f))
	}
	for _, f := range suppressed {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\tsuppressed: %s\n", f.Vulnerability.Severity, f.Key(), cell(f.Package.Name), cell(f.Package.Version), fixedIn(f), cell(suppressionText(f.Suppression)))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write findings table: %w", err)
	}
	var out strings.Builder
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		if trimmed := strings.TrimRight(line, " \n"); trimmed != "" {
			out.WriteString(trimmed + "\n") // an empty NOTE leaves trailing blanks
		}
	}
	out.WriteString(total(active, suppressed) + "\n")
	if _, err := io.WriteString(w, out.String()); err != nil {
		return fmt.Errorf("write findings table: %w", err)
	}
	return nil
}

// total is "3 vulnerabilities: 1 Critical, 2 High (1 suppressed)".
func total(active, suppressed []findings.Finding) string {
	if len(active) == 0 && len(suppressed) == 0 {
		return "No vulnerabilities found."
	}
	n := counts(active)
	var parts []string
	for _, s := range findings.Severities() {
		if n[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[s], s))
		}
	}
	line := fmt.Sprintf("%d %s", len(active), plural(len(active), "vulnerability", "vulnerabilities"))
	if len(parts) > 0 {
		line += ": " + strings.Join(parts, ", ")
	}
	if len(suppressed) > 0 {
		line += fmt.Sprintf(" (%d suppressed)", len(suppressed))
	}
	return line
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// cell keeps one value on one line and out of the column separators.
func cell(s string) string {
	return strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s)
}
