package match

import (
	"slices"
	"strings"

	"github.com/anchore/grype/grype/presenter/models"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Findings turns grype's matches into findings for asset in project. Matches
// that name the same vulnerability (by CVE) in the same package — a GO- and a
// GHSA- record for one CVE, or one module linked into two binaries — become
// one finding with the union of what each knows, since the bot tracks them as
// one issue.
func Findings(project string, asset findings.Asset, res *Result) []findings.Finding {
	var out []findings.Finding
	index := map[string]int{}
	for _, m := range res.Matches {
		f := finding(m)
		for _, id := range res.Aliases[f.Vulnerability.ID] {
			if id != f.Vulnerability.ID {
				f.Vulnerability.Aliases = appendNew(f.Vulnerability.Aliases, id)
			}
		}
		f.Fingerprint = findings.FingerprintFor(project, asset, f)
		if i, ok := index[f.Fingerprint]; ok {
			out[i] = merge(out[i], f)
			continue
		}
		index[f.Fingerprint] = len(out)
		out = append(out, f)
	}
	slices.SortStableFunc(out, func(a, b findings.Finding) int {
		if a.Vulnerability.Severity != b.Vulnerability.Severity {
			return int(b.Vulnerability.Severity - a.Vulnerability.Severity)
		}
		if c := strings.Compare(a.Package.Name, b.Package.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Key(), b.Key())
	})
	return out
}

func finding(m models.Match) findings.Finding {
	v := m.Vulnerability
	f := findings.Finding{
		Vulnerability: findings.Vulnerability{
			ID:          v.ID,
			Severity:    findings.MustSeverity(v.Severity),
			Description: v.Description,
			DataSource:  v.DataSource,
		},
		Package: findings.Package{
			Name:    m.Artifact.Name,
			Version: m.Artifact.Version,
			Type:    string(m.Artifact.Type),
			PURL:    m.Artifact.PURL,
		},
		Fix: findings.Fix{State: findings.ParseFixState(string(v.Fix.State)), Versions: v.Fix.Versions},
	}
	for _, l := range m.Artifact.Locations {
		f.Package.Locations = append(f.Package.Locations, findings.Location{Path: l.RealPath, Layer: l.FileSystemID})
	}
	metas := append([]models.VulnerabilityMetadata{v.VulnerabilityMetadata}, m.RelatedVulnerabilities...)
	for i, md := range metas {
		if i > 0 && md.ID != v.ID {
			f.Vulnerability.Aliases = appendNew(f.Vulnerability.Aliases, md.ID)
		}
		addMetadata(&f.Vulnerability, md)
	}
	return f
}

// addMetadata fills what the primary record lacks from a related one (a GO-
// record has no CVSS; its CVE or GHSA record may).
func addMetadata(v *findings.Vulnerability, md models.VulnerabilityMetadata) {
	if s := findings.MustSeverity(md.Severity); v.Severity == findings.Unknown {
		v.Severity = s
	}
	if v.Description == "" {
		v.Description = md.Description
	}
	for _, c := range md.Cvss {
		if !slices.ContainsFunc(v.CVSS, func(x findings.CVSS) bool { return x.Vector == c.Vector }) {
			v.CVSS = append(v.CVSS, findings.CVSS{Source: c.Source, Version: c.Version, Vector: c.Vector, BaseScore: c.Metrics.BaseScore})
		}
	}
	for _, e := range md.EPSS {
		if v.EPSS == nil || e.EPSS > v.EPSS.Score {
			v.EPSS = &findings.EPSS{Score: e.EPSS, Percentile: e.Percentile, Date: e.Date}
		}
	}
	for _, k := range md.KnownExploited {
		if v.KEV == nil || (k.DueDate != "" && (v.KEV.DueDate == "" || k.DueDate < v.KEV.DueDate)) {
			v.KEV = &findings.KEV{DateAdded: k.DateAdded, DueDate: k.DueDate, Ransomware: k.KnownRansomwareCampaignUse}
		}
	}
	for _, u := range md.URLs {
		v.URLs = appendNew(v.URLs, u)
	}
}

// merge folds b into a: the most severe record wins, everything else is a union.
func merge(a, b findings.Finding) findings.Finding {
	if b.Vulnerability.Severity > a.Vulnerability.Severity {
		a, b = b, a
	}
	for _, id := range append([]string{b.Vulnerability.ID}, b.Vulnerability.Aliases...) {
		if id != a.Vulnerability.ID {
			a.Vulnerability.Aliases = appendNew(a.Vulnerability.Aliases, id)
		}
	}
	md := models.VulnerabilityMetadata{Description: b.Vulnerability.Description, URLs: b.Vulnerability.URLs}
	addMetadata(&a.Vulnerability, md)
	for _, c := range b.Vulnerability.CVSS {
		if !slices.ContainsFunc(a.Vulnerability.CVSS, func(x findings.CVSS) bool { return x.Vector == c.Vector }) {
			a.Vulnerability.CVSS = append(a.Vulnerability.CVSS, c)
		}
	}
	if a.Vulnerability.EPSS == nil {
		a.Vulnerability.EPSS = b.Vulnerability.EPSS
	}
	if a.Vulnerability.KEV == nil {
		a.Vulnerability.KEV = b.Vulnerability.KEV
	}
	for _, l := range b.Package.Locations {
		if !slices.Contains(a.Package.Locations, l) {
			a.Package.Locations = append(a.Package.Locations, l)
		}
	}
	if a.Fix.State != findings.FixAvailable && b.Fix.State == findings.FixAvailable {
		a.Fix = b.Fix
	}
	return a
}

func appendNew(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
