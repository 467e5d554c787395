package mr

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"gitlab.com/vigil-vm/vigil/bot/markdown"
	"gitlab.com/vigil-vm/vigil/bot/patch"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// marker is hidden in every vigil merge request description so that a run
// knows which package (key) and version it proposes, whatever the branch.
type marker struct {
	Key     string `json:"key"` // <ecosystem>/<package>
	Version string `json:"version"`
}

var markerRE = regexp.MustCompile(`<!-- vigil:patch (\{.*?\}) -->`)

func (m marker) String() string {
	b, _ := json.Marshal(m) // escapes < and >, so the key cannot end the comment
	// nor may it mention anyone: @ becomes its JSON escape, read back the same.
	return "<!-- vigil:patch " + strings.ReplaceAll(string(b), "@", `\u0040`) + " -->"
}

// readMarker finds the marker in a description.
func readMarker(description string) (marker, bool) {
	sub := markerRE.FindStringSubmatch(description)
	if sub == nil {
		return marker{}, false
	}
	var m marker
	if err := json.Unmarshal([]byte(sub[1]), &m); err != nil || m.Key == "" {
		return marker{}, false
	}
	return m, true
}

// bump is what a merge request proposes.
type bump struct {
	Ecosystem, Package, From, To string
}

func (b bump) key() string { return b.Ecosystem + "/" + b.Package }

// Description renders the merge request body: the vulnerabilities fixed,
// what changed, how to verify, and Closes #N for each tracking issue.
func description(b bump, fix patch.Fix, c patch.Change) string {
	var s strings.Builder
	fs := uniqueVulns(fix.Findings)
	fmt.Fprintf(&s, "Bumps `%s` from `%s` to `%s`, which fixes %d known %s.\n\n", markdown.Code(b.Package), markdown.Code(b.From), markdown.Code(b.To), len(fs), plural(len(fs), "vulnerability", "vulnerabilities"))
	s.WriteString("| Vulnerability | Package | Severity | CVSS | EPSS | KEV | Link |\n|---|---|---|---|---|---|---|\n")
	for _, f := range fs {
		fmt.Fprintf(&s, "| %s | %s %s | %s | %s | %s | %s | %s |\n", cell(f.Key()), cell(f.Package.Name), cell(f.Package.Version),
			f.Vulnerability.Severity, cvss(f), epss(f), kev(f), link(f))
	}
	s.WriteString("\n### What changed\n\n")
	writeVersions(&s, c.Versions)
	for _, p := range changedPaths(c) {
		fmt.Fprintf(&s, "- `%s`\n", markdown.Code(p))
	}
	if len(c.Notes) > 0 {
		s.WriteString("\n**Please note**\n\n")
		for _, n := range c.Notes {
			fmt.Fprintf(&s, "- %s\n", n)
		}
	}
	s.WriteString("\n### How it was verified\n\n")
	if len(c.Checks) == 0 {
		s.WriteString("- vigil ran no build for this ecosystem; the pipeline of this merge request is the check.\n")
	}
	for _, ch := range c.Checks {
		fmt.Fprintf(&s, "- %s\n", ch)
	}
	s.WriteString("\n### How to verify\n\n")
	s.WriteString("1. The pipeline of this merge request builds and scans the result with vigil; the vulnerabilities above must be gone from its report.\n")
	s.WriteString("2. Merging closes the tracking issues below; vigil closes any that remain once a scan of the default branch confirms the fix.\n")
	if len(fix.Issues) > 0 {
		s.WriteString("\n")
		for _, iid := range fix.Issues {
			fmt.Fprintf(&s, "Closes #%d\n", iid)
		}
	}
	s.WriteString("\n" + marker{Key: b.key(), Version: b.To}.String() + "\n")
	return s.String()
}

// writeVersions lists every version the change moves, asked for or not,
// so that a reviewer sees what go get or npm pulled in with the fix.
func writeVersions(s *strings.Builder, vs []patch.VersionChange) {
	if len(vs) == 0 {
		return
	}
	s.WriteString("| Where | What | From | To | Why |\n|---|---|---|---|---|\n")
	for _, v := range vs {
		fmt.Fprintf(s, "| `%s` | %s | %s | %s | %s |\n", markdown.Code(v.Manifest), cell(v.Name), cellOr(v.From, "(added)"), cellOr(v.To, "(removed)"), cellOr(v.Why, "the fix"))
	}
	s.WriteString("\n")
}

func cellOr(v, empty string) string {
	if v == "" {
		return empty
	}
	return cell(v)
}

func uniqueVulns(in []findings.Finding) []findings.Finding {
	seen := map[string]bool{}
	var out []findings.Finding
	for _, f := range in {
		k := f.Key() + "\x00" + f.Package.Name
		if !seen[k] {
			seen[k] = true
			out = append(out, f)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Vulnerability.Severity != out[j].Vulnerability.Severity {
			return out[i].Vulnerability.Severity > out[j].Vulnerability.Severity
		}
		return out[i].Key() < out[j].Key()
	})
	return out
}

func changedPaths(c patch.Change) []string {
	var out []string
	for p := range c.Files {
		out = append(out, p)
	}
	for _, p := range c.Deleted {
		out = append(out, p+" (deleted)")
	}
	sort.Strings(out)
	const max = 20
	if len(out) > max {
		out = append(out[:max], fmt.Sprintf("… and %d more files", len(out)-max))
	}
	return out
}

// cell is outside text (names and versions from a report or a manifest) in
// a table cell: data, never markup, a marker or a mention.
func cell(s string) string { return markdown.Inline(s) }

func cvss(f findings.Finding) string {
	best := -1.0
	for _, c := range f.Vulnerability.CVSS {
		best = max(best, c.BaseScore)
	}
	if best < 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f", best)
}

func epss(f findings.Finding) string {
	if f.Vulnerability.EPSS == nil {
		return "—"
	}
	return fmt.Sprintf("%.2f%% (p%.0f)", f.Vulnerability.EPSS.Score*100, f.Vulnerability.EPSS.Percentile*100)
}

func kev(f findings.Finding) string {
	if f.Vulnerability.KEV == nil {
		return "—"
	}
	if f.Vulnerability.KEV.DueDate != "" {
		return "**exploited** (due " + f.Vulnerability.KEV.DueDate + ")"
	}
	return "**exploited**"
}

// link is the first advisory URL, only when it is a plain http(s) URL: the
// report is outside text, and a link is markup.
func link(f findings.Finding) string {
	if len(f.Vulnerability.URLs) == 0 {
		return "—"
	}
	u, err := url.Parse(f.Vulnerability.URLs[0])
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "—"
	}
	return "[advisory](" + strings.NewReplacer(")", "%29", " ", "%20", "<", "%3C", ">", "%3E").Replace(u.String()) + ")"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
