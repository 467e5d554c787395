package glreport

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// ErrTooLarge is returned for a report larger than findings.MaxReportBytes.
var ErrTooLarge = errors.New("GitLab security report exceeds size limit")

// supportedVersion is every schema GitLab still ingests: 14.x and 15.x.
var supportedVersion = regexp.MustCompile(`^1[45]\.[0-9]+\.[0-9]+$`)

// Parse reads a GitLab container_scanning or dependency_scanning report of
// schema 14.x or 15.x and returns it as a findings report. The report must
// validate against vigil's conformance schema and must come from a scan that
// finished: nothing is returned otherwise.
//
// The asset of a container scanning report is the image of its first
// vulnerability (repository without tag or digest, as the user wrote it); a
// clean report names none. A dependency scanning report's asset is the
// project directory with no repository: its dependency files are locations
// of each finding, never part of its identity. Fingerprints carry no
// project: the caller knows it and recomputes them.
func Parse(data []byte) (*findings.Report, error) {
	if len(data) > findings.MaxReportBytes {
		return nil, fmt.Errorf("%w of %d bytes", ErrTooLarge, findings.MaxReportBytes)
	}
	var head struct {
		Version string `json:"version"`
		Scan    struct {
			Type   string `json:"type"`
			Status string `json:"status"`
		} `json:"scan"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("GitLab security report is not a JSON report object: %w", err)
	}
	if err := checkHead(head.Version, head.Scan.Type, head.Scan.Status); err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("GitLab security report is not JSON: %w", err)
	}
	if err := validateDoc(head.Scan.Type, doc); err != nil {
		return nil, err
	}
	var gl Report
	if err := json.Unmarshal(data, &gl); err != nil {
		return nil, fmt.Errorf("decode GitLab %s report: %w", head.Scan.Type, err)
	}
	return toFindings(&gl)
}

// checkHead rejects, with a reason a user can act on, what no schema check
// would explain well: versions vigil does not read, other report types, and
// scans that did not finish (their reports list only part of the findings,
// and reading them as complete would close open issues).
func checkHead(version, scanType, status string) error {
	switch {
	case version == "":
		return errors.New("GitLab security report declares no schema version")
	case !supportedVersion.MatchString(version) && olderThan14(version):
		return fmt.Errorf("GitLab security report has schema version %q, older than GitLab's versioned schemas; "+
			"vigil reads 14.x and 15.x, which GitLab's container-scanning analyzer writes from version 5 and gemnasium from version 3: "+
			"update the analyzer image or the CI template", version)
	case !supportedVersion.MatchString(version):
		return fmt.Errorf("GitLab security report has schema version %q; vigil reads 14.x and 15.x", version)
	case scanType != TypeContainerScanning && scanType != TypeDependencyScanning:
		return fmt.Errorf("GitLab security report has scan.type %q; vigil reads %s and %s", scanType, TypeContainerScanning, TypeDependencyScanning)
	case status == "failure":
		return fmt.Errorf("GitLab %s report says the scan failed (scan.status failure); its findings are not complete", scanType)
	}
	return nil
}

// olderThan14 reports whether a version's major number is below 14.
func olderThan14(version string) bool {
	major, _, _ := strings.Cut(version, ".")
	n, err := strconv.Atoi(major)
	return err == nil && n < 14
}

// scanTime reads an optional start or end time; 14.x reports may omit them.
func scanTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(TimeLayout, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("read scan.%s: %w", field, err)
	}
	return t, nil
}

func toFindings(gl *Report) (*findings.Report, error) {
	started, err := scanTime("start_time", gl.Scan.StartTime)
	if err != nil {
		return nil, err
	}
	ended, err := scanTime("end_time", gl.Scan.EndTime)
	if err != nil {
		return nil, err
	}
	analyzer := gl.Scan.Analyzer
	if analyzer.Name == "" { // 14.x: the scanner is the only tool named
		analyzer = gl.Scan.Scanner
	}
	rep := &findings.Report{
		Schema: findings.SchemaID,
		Scanner: findings.Scanner{
			Name:    analyzer.Name,
			Version: analyzer.Version,
			Matcher: strings.TrimSpace(gl.Scan.Scanner.Name + " " + gl.Scan.Scanner.Version),
		},
		Started:  started,
		Ended:    ended,
		Findings: []findings.Finding{},
	}
	fixed := map[string]bool{}
	for _, r := range gl.Remediations {
		for _, f := range r.Fixes {
			fixed[f.ID] = f.ID != ""
		}
	}
	managers := map[string]string{}
	for _, df := range gl.DependencyFiles {
		managers[df.Path] = df.PackageManager
	}
	if gl.Scan.Type == TypeContainerScanning {
		addContainerFindings(rep, gl, fixed)
	} else {
		addDependencyFindings(rep, gl, fixed, managers)
	}
	return rep, nil
}

func addContainerFindings(rep *findings.Report, gl *Report, fixed map[string]bool) {
	for i, v := range gl.Vulnerabilities {
		f := findingOf(v, fixed[v.ID])
		asset := imageAsset(v.Location.Image, v.Location.OperatingSystem)
		f.Package.Type = osPackageType(f.Package.Name, v.Location.OperatingSystem)
		if i == 0 {
			rep.Asset = asset
		}
		f.Fingerprint = findings.FingerprintFor("", asset, f)
		rep.Findings = append(rep.Findings, f)
	}
}

func addDependencyFindings(rep *findings.Report, gl *Report, fixed map[string]bool, managers map[string]string) {
	rep.Asset = findings.Asset{Kind: "dir"}
	for _, v := range gl.Vulnerabilities {
		f := findingOf(v, fixed[v.ID])
		f.Package.Type = depPackageType(v.Location.File, managers[v.Location.File])
		f.Package.Locations = []findings.Location{{Path: v.Location.File}}
		f.Fingerprint = findings.FingerprintFor("", rep.Asset, f)
		rep.Findings = append(rep.Findings, f)
	}
}

func findingOf(v Vulnerability, remediated bool) findings.Finding {
	// Named ids first; ids that are an analyzer's internal hash go last, so
	// "sonatype-2024-0946" names a finding rather than "internal-sid-26dd2d32".
	var ids, internal []string
	for _, ident := range v.Identifiers {
		id := identifierID(ident)
		if strings.EqualFold(ident.Type, "cwe") || contains(ids, id) || contains(internal, id) {
			continue
		}
		if findings.IsBareHash(ident.Value) {
			internal = append(internal, id)
		} else {
			ids = append(ids, id)
		}
	}
	ids = append(ids, internal...)
	if len(ids) == 0 { // only CWEs: keep the primary one so the finding has an id
		ids = append(ids, v.Identifiers[0].Value)
	}
	key := findings.DisplayID(ids[0], ids[1:])
	var aliases []string
	for _, id := range ids {
		if id != key {
			aliases = append(aliases, id)
		}
	}
	sev, err := findings.ParseSeverity(v.Severity)
	if err != nil {
		sev = findings.Unknown
	}
	f := findings.Finding{
		Vulnerability: findings.Vulnerability{
			ID:          key,
			Aliases:     aliases,
			Severity:    sev,
			Description: v.Description,
			DataSource:  "gitlab",
		},
		Package: findings.Package{Name: v.Location.Dependency.Package.Name, Version: v.Location.Dependency.Version},
		Fix:     fixOf(v.Solution, remediated),
	}
	for _, c := range v.CVSSVectors {
		f.Vulnerability.CVSS = append(f.Vulnerability.CVSS, findings.CVSS{Source: c.Vendor, Version: cvssVersion(c.Vector), Vector: c.Vector})
	}
	for _, l := range v.Links {
		f.Vulnerability.URLs = append(f.Vulnerability.URLs, l.URL)
	}
	return f
}

// identifierID is how an identifier names the vulnerability: its value,
// unless that is an analyzer's internal hash and its name says more
// (Sonatype's "internal-sid-26dd2d32", Gemnasium's "Gemnasium-<uuid>").
func identifierID(ident Identifier) string {
	if findings.IsBareHash(ident.Value) && ident.Name != "" && !findings.IsBareHash(ident.Name) {
		return ident.Name
	}
	return ident.Value
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func cvssVersion(vector string) string {
	if strings.HasPrefix(vector, "CVSS:") {
		v, _, _ := strings.Cut(strings.TrimPrefix(vector, "CVSS:"), "/")
		return v
	}
	return "2.0"
}

var (
	upgradeTo = regexp.MustCompile(`(?i)^\s*upgrade\b.*\bto\s+(?:versions?\s+)?(.+?)\s*$`)
	orLater   = regexp.MustCompile(`(?i)\s+or\s+(above|later|higher|newer)\b.*$`)
	wontFix   = regexp.MustCompile(`(?i)\b(will not|won't|wont)\s+(be\s+)?fix`)
	noFix     = regexp.MustCompile(`(?i)\bno\s+(solution|fix|patch)\b|\bnot\s+(yet\s+)?(fixed|available)\b`)
	versionOr = regexp.MustCompile(`\s+or\s+|,\s*`)
	// Sonatype and others advise an upgrade without naming the version.
	recommendUpgrade = regexp.MustCompile(`(?i)\b(recommend|should)\s+upgrad(e|ing)\b|\bupgrade\s+to\s+(a|the)\s+(newer|later|latest|fixed|non-vulnerable)\b`)
)

// fixOf reads the fix from a solution sentence as the analyzers write it:
// Trivy and Grype "Upgrade apt from 1.4.8 to 1.4.9" or "Upgrade x to 1.2, 1.3",
// Gemnasium "Upgrade to version 2.2.0 or above.", vigil "Upgrade
// golang.org/x/text to 0.3.8", Sonatype "We recommend upgrading to a version
// of this component that is not vulnerable…". Naming a version, a
// remediation, or advice to upgrade all mean a fix is available.
func fixOf(solution string, remediated bool) findings.Fix {
	first, _, _ := strings.Cut(strings.TrimSpace(solution), "\n")
	if m := upgradeTo.FindStringSubmatch(first); m != nil {
		if versions := fixVersions(m[1]); len(versions) > 0 {
			return findings.Fix{State: findings.FixAvailable, Versions: versions}
		}
		return findings.Fix{State: findings.FixAvailable}
	}
	switch {
	case remediated, recommendUpgrade.MatchString(solution):
		return findings.Fix{State: findings.FixAvailable}
	case wontFix.MatchString(solution):
		return findings.Fix{State: findings.FixWontFix}
	case noFix.MatchString(solution):
		return findings.Fix{State: findings.FixUnavailable}
	}
	return findings.Fix{State: findings.FixUnknown}
}

// fixVersions splits "1.2, 1.3 or 1.4 or above." into versions; words that
// are not versions ("a version of this component") are dropped.
func fixVersions(list string) []string {
	var versions []string
	for _, part := range versionOr.Split(orLater.ReplaceAllString(list, ""), -1) {
		part = strings.TrimSuffix(strings.TrimSpace(part), ".")
		if part != "" && !strings.ContainsAny(part, " \t") && strings.ContainsAny(part, "0123456789") {
			versions = append(versions, part)
		}
	}
	return versions
}

// imageAsset splits an image reference into repository, tag and digest. The
// registry is kept as written: "alpine" and "docker.io/library/alpine" are
// different repositories here.
func imageAsset(ref, osName string) findings.Asset {
	osName = osDisplay(osName)
	a := findings.Asset{Kind: "image"}
	repo, digest, _ := strings.Cut(ref, "@")
	if strings.Contains(digest, ":") {
		a.Digest = digest
	}
	if i := strings.LastIndexByte(repo, ':'); i > strings.LastIndexByte(repo, '/') {
		a.Tags = []string{repo[i+1:]}
		repo = repo[:i]
	}
	a.Repository = repo
	// Grype-based analyzers put a language ecosystem ("github:nuget") where
	// the operating system goes; that is no distribution.
	if osName != "" && !strings.EqualFold(osName, unknownOS) && !strings.Contains(osName, ":") {
		name, version := osName, ""
		if i := strings.LastIndexByte(osName, ' '); i > 0 {
			name, version = osName[:i], osName[i+1:]
		}
		a.Distro = &findings.Distro{Name: strings.ToLower(name), Version: version}
	}
	return a
}

// osPackageType guesses a syft package type for a container scanning
// finding, which names no ecosystem: Go modules by their path, other packages
// by the image's operating system.
// osDisplay writes Grype-based analyzers' "alpine:3.15.0" the way Trivy-based
// ones write it, "alpine 3.15.0"; ecosystems ("github:nuget") stay as they are.
func osDisplay(osName string) string {
	if strings.HasPrefix(osName, "github:") {
		return osName
	}
	return strings.Replace(osName, ":", " ", 1)
}

func osPackageType(pkg, osName string) string {
	osName = osDisplay(osName)
	if first, _, ok := strings.Cut(pkg, "/"); (ok && strings.Contains(first, ".")) || pkg == "stdlib" {
		return "go-module"
	}
	family := strings.ToLower(strings.Fields(osName + " x")[0])
	if eco, ok := strings.CutPrefix(family, "github:"); ok {
		return depPackageType("", eco)
	}
	switch family {
	case "debian", "ubuntu", "distroless":
		return "deb"
	case "alpine", "wolfi", "chainguard":
		return "apk"
	case "rhel", "redhat", "centos", "fedora", "rocky", "almalinux", "amazon", "amzn", "oracle", "ol",
		"sles", "suse", "opensuse", "opensuse-leap", "photon", "mariner", "cbl-mariner", "azurelinux":
		return "rpm"
	}
	return ""
}

// depPackageType maps a dependency file (or its package manager) to a syft
// package type.
func depPackageType(file, manager string) string {
	switch base := path.Base(file); {
	case base == "go.sum" || base == "go.mod":
		return "go-module"
	case base == "package-lock.json" || base == "yarn.lock" || base == "pnpm-lock.yaml" || base == "npm-shrinkwrap.json" || base == "package.json":
		return "npm"
	case strings.HasPrefix(base, "requirements") || base == "Pipfile.lock" || base == "poetry.lock" || base == "setup.py" || base == "uv.lock" || base == "pipdeptree.json":
		return "python"
	case base == "Gemfile.lock" || base == "gems.locked":
		return "gem"
	case base == "pom.xml" || strings.HasPrefix(base, "build.gradle") || base == "gradle.lockfile" || base == "build.sbt" || strings.HasSuffix(base, ".jar"):
		return "java-archive"
	case base == "composer.lock":
		return "php-composer"
	case base == "Cargo.lock":
		return "rust-crate"
	case base == "packages.lock.json" || strings.HasSuffix(base, ".csproj"):
		return "dotnet"
	case base == "conan.lock":
		return "conan"
	}
	switch strings.ToLower(manager) {
	case "go":
		return "go-module"
	case "npm", "yarn", "pnpm", "javascript":
		return "npm"
	case "pip", "pipenv", "poetry", "setuptools", "uv", "pypi", "python":
		return "python"
	case "bundler", "rubygems", "gem":
		return "gem"
	case "maven", "gradle", "sbt", "java":
		return "java-archive"
	case "composer":
		return "php-composer"
	case "nuget", "dotnet":
		return "dotnet"
	case "conan":
		return "conan"
	}
	return strings.ToLower(manager)
}
