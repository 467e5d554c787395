package report

import (
	"fmt"
	"io"
	"strings"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Summary writes a Markdown summary fit for a merge request note: counts by
// severity, the active findings most severe first, then the suppressed ones
// in their own section with why. image names the scanned reference; the
// asset's repository stands in when it is empty.
func Summary(w io.Writer, rep *findings.Report, image string) error {
	active, suppressed := split(rep)
	var b strings.Builder
	if image == "" {
		image = rep.Asset.Repository
	}
	fmt.Fprintf(&b, "### vigil scan of `%s`\n\n", md(image))
	if about := scanned(rep); about != "" {
		fmt.Fprintf(&b, "%s\n\n", about)
	}
	n := counts(active)
	b.WriteString("| Critical | High | Medium | Low | Negligible | Unknown | Suppressed |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range findings.Severities() {
		fmt.Fprintf(&b, "| %d ", n[s])
	}
	fmt.Fprintf(&b, "| %d |\n\n", len(suppressed))
	if len(active) == 0 {
		b.WriteString("No active vulnerabilities.\n")
	} else {
		b.WriteString("| Severity | Vulnerability | Package | Installed | Fixed in |\n")
		b.WriteString("|---|---|---|---|---|\n")
		for _, f := range active {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", f.Vulnerability.Severity, md(f.Key()), md(f.Package.Name), md(f.Package.Version), md(fixedIn(f)))
		}
	}
	if len(suppressed) > 0 {
		fmt.Fprintf(&b, "\n#### Suppressed (%d)\n\n", len(suppressed))
		b.WriteString("These do not fail the pipeline.\n\n")
		b.WriteString("| Severity | Vulnerability | Package | Installed | Fixed in | Why |\n")
		b.WriteString("|---|---|---|---|---|---|\n")
		for _, f := range suppressed {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", f.Vulnerability.Severity, md(f.Key()), md(f.Package.Name), md(f.Package.Version), md(fixedIn(f)), md(suppressionText(f.Suppression)))
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}

// scanned says what was scanned with what, as far as the report knows.
func scanned(rep *findings.Report) string {
	var parts []string
	if d := rep.Asset.Digest; d != "" {
		parts = append(parts, "digest `"+md(d)+"`")
	}
	if d := rep.Asset.Distro; d != nil {
		parts = append(parts, md(strings.TrimSpace(d.Name+" "+d.Version)))
	}
	if m := rep.Scanner.Matcher; m != "" {
		parts = append(parts, "matched with "+md(m))
	}
	if !rep.Scanner.DB.Built.IsZero() {
		parts = append(parts, "vulnerability data built "+rep.Scanner.DB.Built.UTC().Format("2006-01-02 15:04 UTC"))
	}
	return strings.Join(parts, " · ")
}

// md makes a value safe inside a Markdown table cell.
func md(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ", "`", "'", "<", "&lt;", ">", "&gt;").Replace(s)
}
