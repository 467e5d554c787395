package actions

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// maxSummaryRows bounds the failing-findings table: GitHub caps a step
// summary at 1 MiB, and the full list is in vigil-findings.json.
const maxSummaryRows = 100

// Summary renders the Markdown job summary of a scan: verdict, asset,
// counts by severity, the failing findings and where the reports are.
func Summary(rep *findings.Report, failing []findings.Finding, reportPaths map[string]string) string {
	var b strings.Builder
	if len(failing) == 0 {
		b.WriteString("## vigil scan: ✅ passed\n\n")
	} else {
		fmt.Fprintf(&b, "## vigil scan: ❌ failed (%d finding%s at or above the threshold)\n\n", len(failing), plural(len(failing)))
	}

	asset := "`" + cell(rep.Asset.Repository) + "`"
	if rep.Asset.Digest != "" {
		asset += " `" + cell(rep.Asset.Digest) + "`"
	}
	for _, tag := range rep.Asset.Tags {
		asset += " `" + cell(tag) + "`"
	}
	fmt.Fprintf(&b, "**Image** %s", asset)
	if rep.Asset.Platform != "" {
		fmt.Fprintf(&b, " · **Platform** %s", cell(rep.Asset.Platform))
	}
	if d := rep.Asset.Distro; d != nil {
		fmt.Fprintf(&b, " · **Distro** %s %s", cell(d.Name), cell(d.Version))
	}
	b.WriteString("  \n")
	fmt.Fprintf(&b, "**Scanner** %s %s", cell(rep.Scanner.Name), cell(rep.Scanner.Version))
	if !rep.Scanner.DB.Built.IsZero() {
		fmt.Fprintf(&b, " · **Database built** %s", rep.Scanner.DB.Built.UTC().Format("2006-01-02 15:04 MST"))
	}
	b.WriteString("\n\n")

	active := rep.Active()
	counts := countBySeverity(active)
	var head, rule, row []string
	for _, s := range findings.Severities() {
		head = append(head, s.String())
		rule = append(rule, "---:")
		row = append(row, fmt.Sprint(counts[s]))
	}
	head = append(head, "Suppressed")
	rule = append(rule, "---:")
	row = append(row, fmt.Sprint(len(rep.Findings)-len(active)))
	for _, r := range [][]string{head, rule, row} {
		b.WriteString("| " + strings.Join(r, " | ") + " |\n")
	}

	if len(failing) > 0 {
		fmt.Fprintf(&b, "\n### Failing findings\n\n| Severity | Vulnerability | Package | Version | Fixed in |\n|---|---|---|---|---|\n")
		for i, f := range failing {
			if i == maxSummaryRows {
				fmt.Fprintf(&b, "\n…and %d more in vigil-findings.json.\n", len(failing)-maxSummaryRows)
				break
			}
			id := cell(f.Key())
			if len(f.Vulnerability.URLs) > 0 {
				id = "[" + id + "](" + cell(f.Vulnerability.URLs[0]) + ")"
			}
			if f.Vulnerability.KEV != nil {
				id += " (KEV)"
			}
			fixed := "–"
			if f.Fix.State == findings.FixAvailable && len(f.Fix.Versions) > 0 {
				fixed = cell(strings.Join(f.Fix.Versions, ", "))
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", f.Vulnerability.Severity, id, cell(f.Package.Name), cell(f.Package.Version), fixed)
		}
	}

	if len(reportPaths) > 0 {
		b.WriteString("\n### Reports\n\n")
		for _, k := range slices.Sorted(maps.Keys(reportPaths)) {
			fmt.Fprintf(&b, "- %s: `%s`\n", k, cell(reportPaths[k]))
		}
	}
	return b.String()
}

// cell keeps outside text from breaking a Markdown table row.
func cell(s string) string {
	return strings.NewReplacer(`\`, `\\`, "|", `\|`, "\n", " ", "\r", " ", "`", "'").Replace(s)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
