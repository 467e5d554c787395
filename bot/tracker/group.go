package tracker

import (
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/sla"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// entry is one finding of a group with its latest detection.
type entry struct {
	ledger.Finding
	rec record
}

// DetectedBy names the monitoring that found the entry, "" for a scan.
func (e entry) DetectedBy() string { return e.rec.Monitor }

// group is what one issue is about: the findings of a group, their open
// subset and the facts the issue shows.
type group struct {
	Key         string
	ProjectPath string
	GroupBy     string
	All         []entry
	Open        []entry
	// Facts, from the open findings, or from all when none is open.
	Severity    findings.Severity
	FixState    string
	FixVersions []string
	Exploited   bool
	KEVDue      string
	Vulns       []findings.Vulnerability // distinct, worst first
	PackageName string
	Versions    []string
	Images      []string
	// Running is where the open findings' digests run, from the ledger's
	// inventory (cluster/namespace/workload/container); empty without one.
	Running []string
	// Tier is the strictest inventory tier of the open findings' digests,
	// the one the read-outs count the group under; set by tierPolicy.
	Tier      string
	FirstSeen time.Time
	FixSince  time.Time
}

func newGroup(key, projectPath, groupBy string, fs []ledger.Finding) *group {
	g := &group{Key: key, ProjectPath: projectPath, GroupBy: groupBy}
	for _, f := range fs {
		e := entry{Finding: f}
		_ = json.Unmarshal(f.Data, &e.rec) // written by Record; a bad row renders with ledger columns only
		g.All = append(g.All, e)
		if f.Status == ledger.FindingOpen {
			g.Open = append(g.Open, e)
		}
	}
	basis := g.Open
	if len(basis) == 0 {
		basis = g.All
	}
	g.FixState = string(findings.FixUnknown)
	seenVuln := map[string]bool{}
	for _, e := range basis {
		if e.Severity > g.Severity {
			g.Severity = e.Severity
		}
		g.FixState = betterFix(g.FixState, e.FixState)
		for _, v := range e.rec.Finding.Fix.Versions {
			if !slices.Contains(g.FixVersions, v) {
				g.FixVersions = append(g.FixVersions, v)
			}
		}
		if k := e.rec.Finding.Vulnerability.KEV; k != nil {
			g.Exploited = true
			if k.DueDate != "" && (g.KEVDue == "" || k.DueDate < g.KEVDue) {
				g.KEVDue = k.DueDate
			}
		}
		if !seenVuln[e.Vulnerability] {
			seenVuln[e.Vulnerability] = true
			v := e.rec.Finding.Vulnerability
			if v.ID == "" {
				v.ID, v.Severity = e.Vulnerability, e.Severity
			}
			g.Vulns = append(g.Vulns, v)
		}
		g.PackageName = e.PackageName
		if v := displayVersion(e.PackageType, e.PackageVersion); !slices.Contains(g.Versions, v) {
			g.Versions = append(g.Versions, v)
		}
		if !slices.Contains(g.Images, e.Asset) {
			g.Images = append(g.Images, e.Asset)
		}
		if g.FirstSeen.IsZero() || e.FirstSeen.Before(g.FirstSeen) {
			g.FirstSeen = e.FirstSeen
		}
		if !e.FixSince.IsZero() && (g.FixSince.IsZero() || e.FixSince.Before(g.FixSince)) {
			g.FixSince = e.FixSince
		}
	}
	sort.Strings(g.FixVersions)
	sort.Strings(g.Versions)
	sort.Strings(g.Images)
	sort.SliceStable(g.Vulns, func(i, j int) bool {
		if g.Vulns[i].Severity != g.Vulns[j].Severity {
			return g.Vulns[i].Severity > g.Vulns[j].Severity
		}
		return vulnKey(g.Vulns[i]) < vulnKey(g.Vulns[j])
	})
	return g
}

// vulnKey is the id an issue shows for a vulnerability (findings.DisplayID).
func vulnKey(v findings.Vulnerability) string { return findings.DisplayID(v.ID, v.Aliases) }

// betterFix keeps the more actionable of two fix states.
func betterFix(a, b string) string {
	if findings.ParseFixState(b).Rank() > findings.ParseFixState(a).Rank() {
		return b
	}
	return a
}

// displayVersion drops the "v" Go puts before module versions.
func displayVersion(pkgType, v string) string {
	if pkgType == "go-module" {
		return strings.TrimPrefix(v, "v")
	}
	return v
}

// Title is the issue title, e.g. "CVE-2022-32149 in golang.org/x/text 0.3.5".
func (g *group) Title() string {
	pkg := strings.TrimSpace(g.PackageName + " " + strings.Join(g.Versions, ", "))
	var what string
	switch {
	case len(g.Vulns) == 1:
		what = vulnKey(g.Vulns[0])
	case len(g.Vulns) > 1:
		what = strings.Join([]string{vulnKey(g.Vulns[0]), "and", strconv.Itoa(len(g.Vulns) - 1), "more"}, " ")
	}
	title := what + " in " + pkg
	if g.GroupBy == sla.GroupByImage && len(g.Images) == 1 {
		title += " (" + g.Images[0] + ")"
	}
	return title
}
