package mrnote

import (
	"fmt"
	"strings"

	"gitlab.com/vigil-vm/vigil/bot/markdown"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Marker is the hidden first line of the note, by which the bot finds the
// note it wrote before (together with its own authorship).
const Marker = "<!-- vigil:merge-request-scan -->"

// maxRows bounds each table; a note has a size limit and people stop reading.
const maxRows = 50

// Render writes the note for a pipeline.
func Render(d Diff, pipelineID int64, defaultBranch string) string {
	var b strings.Builder
	b.WriteString(Marker + "\n")
	fmt.Fprintf(&b, "### vigil: vulnerabilities in this merge request\n\nPipeline #%d compared with the last complete scan of `%s`: ", pipelineID, code(defaultBranch))
	fmt.Fprintf(&b, "**%d introduced**, **%d fixed**, %d unchanged.\n", len(d.Introduced), len(d.Fixed), d.Unchanged)
	table(&b, "Introduced", d.Introduced)
	table(&b, "Fixed", d.Fixed)
	if len(d.NoBase) > 0 {
		names := make([]string, len(d.NoBase))
		for i, j := range d.NoBase {
			names[i] = "`" + code(j) + "`"
		}
		fmt.Fprintf(&b, "\n`%s` has no scan by %s yet: every finding of that job counts as introduced.\n", code(defaultBranch), strings.Join(names, ", "))
	}
	b.WriteString("\n_Edited in place on every pipeline of this merge request. Only pipelines of the default branch (and tracked refs) change issues._\n")
	return b.String()
}

func table(b *strings.Builder, title string, es []Entry) {
	if len(es) == 0 {
		return
	}
	fmt.Fprintf(b, "\n#### %s\n\n| Severity | Vulnerability | Package | Version | Fix | Job |\n|---|---|---|---|---|---|\n", title)
	for i, e := range es {
		if i == maxRows {
			fmt.Fprintf(b, "\n…and %d more.\n", len(es)-maxRows)
			break
		}
		fmt.Fprintf(b, "| %s | `%s` | `%s` | `%s` | %s | `%s` |\n", e.Severity, code(e.ID), code(e.Package), code(e.Version), fixText(e), code(e.Job))
	}
}

// code makes report text safe inside an inline code span in a table cell
// (markdown.Code), capped so one name cannot fill the note.
func code(s string) string {
	return markdown.Code(markdown.Truncate(s, 200))
}

func fixText(e Entry) string {
	switch e.Fix {
	case findings.FixAvailable:
		if len(e.Versions) > 0 {
			return "`" + code(strings.Join(e.Versions, ", ")) + "`"
		}
		return "available"
	case findings.FixWontFix:
		return "will not be fixed"
	case findings.FixUnavailable:
		return "none yet"
	}
	return "unknown"
}
