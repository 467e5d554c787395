package glreport

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// ErrTooLarge is returned for a report larger than findings.MaxReportBytes.
var ErrTooLarge = errors.New("GitLab security report exceeds size limit")

var schemaVersion15 = regexp.MustCompile(`^15\.[0-9]+\.[0-9]+$`)

// Parse reads a GitLab container_scanning or dependency_scanning report of
// schema 15.x and returns it as a findings report. The report must validate
// against GitLab's schema; nothing is returned otherwise.
//
// The asset of a container scanning report is the image of its first
// vulnerability (repository without tag or digest, as the user wrote it).
// For a dependency scanning report each finding's fingerprint uses its
// dependency file path as the repository, and the report's asset is that
// file when there is one, else the directory the files share. Fingerprints
// carry no project: the caller knows it and may recompute them. A report with
// no vulnerabilities names no asset.
func Parse(data []byte) (*findings.Report, error) {
	if len(data) > findings.MaxReportBytes {
		return nil, fmt.Errorf("%w of %d bytes", ErrTooLarge, findings.MaxReportBytes)
	}
	var head struct {
		Version string `json:"version"`
		Scan    struct {
			Type string `json:"type"`
		} `json:"scan"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("GitLab security report is not a JSON report object: %w", err)
	}
	switch {
	case head.Version == "":
		return nil, errors.New("GitLab security report declares no schema version")
	case !schemaVersion15.MatchString(head.Version):
		return nil, fmt.Errorf("GitLab security report has schema version %q; vigil reads 15.x", head.Version)
	case head.Scan.Type != TypeContainerScanning && head.Scan.Type != TypeDependencyScanning:
		return nil, fmt.Errorf("GitLab security report has scan.type %q; vigil reads %s and %s", head.Scan.Type, TypeContainerScanning, TypeDependencyScanning)
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

func toFindings(gl *Report) (*findings.Report, error) {
	started, err := time.Parse(TimeLayout, gl.Scan.StartTime)
	if err != nil {
		return nil, fmt.Errorf("read scan.start_time: %w", err)
	}
	ended, err := time.Parse(TimeLayout, gl.Scan.EndTime)
	if err != nil {
		return nil, fmt.Errorf("read scan.end_time: %w", err)
	}
	rep := &findings.Report{
		Schema: findings.SchemaID,
		Scanner: findings.Scanner{
			Name:    gl.Scan.Analyzer.Name,
			Version: gl.Scan.Analyzer.Version,
			Matcher: strings.TrimSpace(gl.Scan.Scanner.Name + " " + gl.Scan.Scanner.Version),
		},
		Started:  started,
		Ended:    ended,
		Findings: []findings.Finding{},
	}
	fixed := map[string]bool{}
	for _, r := range gl.Remediations {
		for _, f := range r.Fixes {
			fixed[f.ID] = true
		}
	}
	managers := map[string]string{}
	for _, df := range gl.DependencyFiles {
		managers[df.Path] = df.PackageManager
	}
	cs := gl.Scan.Type == TypeContainerScanning
	var files []string
	for i, v := range gl.Vulnerabilities {
		f := findingOf(v, fixed[v.ID])
		asset := findings.Asset{Kind: "dir", Repository: v.Location.File}
		if cs {
			asset = imageAsset(v.Location.Image, v.Location.OperatingSystem)
			f.Package.Type = osPackageType(f.Package.Name, v.Location.OperatingSystem)
			if i == 0 {
				rep.Asset = asset
			}
		} else {
			f.Package.Type = depPackageType(v.Location.File, managers[v.Location.File])
			f.Package.Locations = []findings.Location{{Path: v.Location.File}}
			files = append(files, v.Location.File)
		}
		f.Fingerprint = findings.FingerprintFor("", asset, f)
		rep.Findings = append(rep.Findings, f)
	}
	if !cs {
		rep.Asset = findings.Asset{Kind: "dir", Repository: commonDir(files)}
	}
	return rep, nil
}

func findingOf(v Vulnerability, remediated bool) findings.Finding {
	var ids []string
	for _, id := range v.Identifiers {
		if strings.EqualFold(id.Type, "cwe") || contains(ids, id.Value) {
			continue
		}
		ids = append(ids, id.Value)
	}
	if len(ids) == 0 { // only CWEs: keep the primary one so the finding has an id
		ids = append(ids, v.Identifiers[0].Value)
	}
	key := findings.CanonicalID(ids[0], ids[1:])
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
)

// fixOf reads the fix from a solution sentence as GitLab's analyzers write
// it: "Upgrade apt from 1.4.8 to 1.4.9", "Upgrade to version 2.2.0 or above.",
// "Upgrade golang.org/x/text to 0.3.8" (vigil's own).
func fixOf(solution string, remediated bool) findings.Fix {
	if m := upgradeTo.FindStringSubmatch(solution); m != nil {
		rest := orLater.ReplaceAllString(m[1], "")
		var versions []string
		for _, part := range versionOr.Split(rest, -1) {
			part = strings.TrimSuffix(strings.TrimSpace(part), ".")
			if part != "" && !strings.ContainsAny(part, " \t") {
				versions = append(versions, part)
			}
		}
		if len(versions) > 0 {
			return findings.Fix{State: findings.FixAvailable, Versions: versions}
		}
		return findings.Fix{State: findings.FixAvailable}
	}
	switch {
	case remediated:
		return findings.Fix{State: findings.FixAvailable}
	case wontFix.MatchString(solution):
		return findings.Fix{State: findings.FixWontFix}
	case noFix.MatchString(solution):
		return findings.Fix{State: findings.FixUnavailable}
	}
	return findings.Fix{State: findings.FixUnknown}
}

// imageAsset splits an image reference into repository, tag and digest. The
// registry is kept as written: "alpine" and "docker.io/library/alpine" are
// different repositories here.
func imageAsset(ref, osName string) findings.Asset {
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
	if osName != "" && !strings.EqualFold(osName, unknownOS) {
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
func osPackageType(pkg, osName string) string {
	if first, _, ok := strings.Cut(pkg, "/"); (ok && strings.Contains(first, ".")) || pkg == "stdlib" {
		return "go-module"
	}
	family := strings.ToLower(strings.Fields(osName + " x")[0])
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
	case "npm", "yarn", "pnpm":
		return "npm"
	case "pip", "pipenv", "poetry", "setuptools", "uv":
		return "python"
	case "bundler":
		return "gem"
	case "maven", "gradle", "sbt":
		return "java-archive"
	case "composer":
		return "php-composer"
	case "nuget":
		return "dotnet"
	case "conan":
		return "conan"
	}
	return strings.ToLower(manager)
}

// commonDir is the one file of a dependency scan, or the directory its files
// share.
func commonDir(files []string) string {
	if len(files) == 0 {
		return ""
	}
	dir := files[0]
	for _, f := range files[1:] {
		if f == dir {
			continue
		}
		for dir != "." && dir != "/" && !strings.HasPrefix(f, dir+"/") {
			dir = path.Dir(dir)
		}
	}
	return dir
}
