package glreport

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Schema limits on string fields.
const (
	maxName        = 255
	maxDescription = 1048576
	maxSolution    = 7000
	maxVectors     = 10
)

// unknownOS stands in for the operating system of an image that has none
// (scratch, distroless): the schema requires a non-empty value.
const unknownOS = "Unknown"

// FromFindings builds the container scanning report of one scanned image.
// image is the reference as the user gave it (registry/repo:tag); when empty
// the asset's repository and first tag stand in. Suppressed findings are left
// out: GitLab has no notion of them and would show them as open.
func FromFindings(rep *findings.Report, image string) *Report {
	if image == "" {
		image = imageName(rep.Asset)
	}
	osName := unknownOS
	if d := rep.Asset.Distro; d != nil && strings.TrimSpace(d.Name+" "+d.Version) != "" {
		osName = strings.TrimSpace(d.Name + " " + d.Version)
	}
	out := &Report{
		Version:         SchemaVersion,
		Schema:          SchemaURL(TypeContainerScanning),
		Scan:            scanOf(rep),
		Vulnerabilities: []Vulnerability{},
	}
	seen := map[string]bool{}
	for _, f := range rep.Findings {
		if f.Suppression != nil {
			continue
		}
		v := vulnerabilityOf(rep, f)
		v.Location = Location{
			Image:           image,
			OperatingSystem: osName,
			Dependency:      Dependency{Package: Package{Name: f.Package.Name}, Version: f.Package.Version},
		}
		// Two copies of one package at different paths share a fingerprint;
		// the report still needs distinct ids.
		if seen[v.ID] {
			v.ID = uuidOf(v.ID, f.Package.Version, firstPath(f))
		}
		seen[v.ID] = true
		out.Vulnerabilities = append(out.Vulnerabilities, v)
	}
	return out
}

func scanOf(rep *findings.Report) Scan {
	version := rep.Scanner.Version
	if version == "" {
		version = "dev"
	}
	name := rep.Scanner.Name
	if name == "" {
		name = "vigil"
	}
	scanner := Tool{ID: "vigil", Name: name, Version: version, Vendor: Vendor{Name: "vigil"}}
	if fields := strings.Fields(rep.Scanner.Matcher); len(fields) > 0 {
		scanner.ID = strings.ToLower(fields[0])
		scanner.Name = fields[0]
		if len(fields) > 1 {
			scanner.Version = strings.TrimPrefix(fields[1], "v")
		}
		if scanner.ID == "grype" {
			scanner.Vendor.Name = "Anchore"
			scanner.URL = "https://github.com/anchore/grype"
		}
	}
	return Scan{
		Analyzer:  Tool{ID: "vigil", Name: name, Version: version, Vendor: Vendor{Name: "vigil"}, URL: "https://gitlab.com/vigil-vm/vigil"},
		Scanner:   scanner,
		Type:      TypeContainerScanning,
		Status:    "success",
		StartTime: rep.Started.UTC().Format(TimeLayout),
		EndTime:   rep.Ended.UTC().Format(TimeLayout),
	}
}

func vulnerabilityOf(rep *findings.Report, f findings.Finding) Vulnerability {
	fp := f.Fingerprint
	if fp == "" {
		fp = findings.FingerprintFor(rep.Project, rep.Asset, f)
	}
	key := f.Key()
	v := Vulnerability{
		ID:          uuidOf(fp),
		Name:        truncate(fmt.Sprintf("%s in %s", key, f.Package.Name), maxName),
		Description: truncate(f.Vulnerability.Description, maxDescription),
		Severity:    Severity(f.Vulnerability.Severity),
		Solution:    truncate(solution(f), maxSolution),
	}
	if v.Description == "" {
		v.Description = fmt.Sprintf("%s %s is affected by %s.", f.Package.Name, f.Package.Version, key)
	}
	v.Identifiers = append(v.Identifiers, identifierFor(key))
	for _, id := range append([]string{f.Vulnerability.ID}, f.Vulnerability.Aliases...) {
		if id != "" && !strings.EqualFold(id, key) && !hasIdentifier(v.Identifiers, id) {
			v.Identifiers = append(v.Identifiers, identifierFor(id))
		}
	}
	for _, c := range f.Vulnerability.CVSS {
		if len(v.CVSSVectors) == maxVectors || !validVector(c.Vector) {
			continue
		}
		vendor := c.Source
		if vendor == "" {
			vendor = "unknown"
		}
		v.CVSSVectors = append(v.CVSSVectors, CVSSVector{Vendor: vendor, Vector: c.Vector})
	}
	for _, u := range f.Vulnerability.URLs {
		if linkURL.MatchString(u) {
			v.Links = append(v.Links, Link{URL: u})
		}
	}
	return v
}

func hasIdentifier(ids []Identifier, id string) bool {
	for _, i := range ids {
		if strings.EqualFold(i.Value, id) {
			return true
		}
	}
	return false
}

// Severity is a findings severity in GitLab's words.
func Severity(s findings.Severity) string {
	switch s {
	case findings.Critical, findings.High, findings.Medium, findings.Low:
		return s.String()
	case findings.Negligible:
		return "Info"
	default:
		return "Unknown"
	}
}

func solution(f findings.Finding) string {
	switch {
	case len(f.Fix.Versions) > 0:
		return fmt.Sprintf("Upgrade %s to %s", f.Package.Name, strings.Join(f.Fix.Versions, " or "))
	case f.Fix.State == findings.FixWontFix:
		return "The vendor will not fix this vulnerability."
	case f.Fix.State == findings.FixUnavailable:
		return "No fix is available yet."
	}
	return ""
}

// uuidOf derives a stable RFC 4122 (version 5 layout) id from its parts.
func uuidOf(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	b := h.Sum(nil)[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	s := hex.EncodeToString(b)
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

func imageName(a findings.Asset) string {
	switch {
	case a.Repository == "":
		return "unknown"
	case len(a.Tags) > 0:
		return a.Repository + ":" + a.Tags[0]
	case a.Digest != "":
		return a.Repository + "@" + a.Digest
	}
	return a.Repository
}

func firstPath(f findings.Finding) string {
	if len(f.Package.Locations) > 0 {
		return f.Package.Locations[0].Path
	}
	return ""
}

// truncate cuts s to at most n bytes without splitting a rune.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
