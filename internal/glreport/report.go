package glreport

// SchemaVersion is the schema version vigil writes and validates against.
// Reports declaring any 15.x version are accepted.
const SchemaVersion = "15.0.7"

// Report types, as GitLab's scan.type names them.
const (
	TypeContainerScanning  = "container_scanning"
	TypeDependencyScanning = "dependency_scanning"
)

// TimeLayout is the schema's start_time/end_time format (UTC, no zone).
const TimeLayout = "2006-01-02T15:04:05"

// Report is a GitLab security report. Field names are the schema's.
type Report struct {
	Version         string           `json:"version"`
	Schema          string           `json:"schema,omitempty"`
	Scan            Scan             `json:"scan"`
	Vulnerabilities []Vulnerability  `json:"vulnerabilities"`
	Remediations    []Remediation    `json:"remediations,omitempty"`
	DependencyFiles []DependencyFile `json:"dependency_files,omitempty"`
}

// Scan describes the scan that produced the report.
type Scan struct {
	Analyzer  Tool      `json:"analyzer"`
	Scanner   Tool      `json:"scanner"`
	Type      string    `json:"type"`
	Status    string    `json:"status"`
	StartTime string    `json:"start_time"`
	EndTime   string    `json:"end_time"`
	Messages  []Message `json:"messages,omitempty"`
}

// Tool is an analyzer or a scanner.
type Tool struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	URL     string `json:"url,omitempty"`
	Version string `json:"version"`
	Vendor  Vendor `json:"vendor"`
}

// Vendor is who maintains a tool.
type Vendor struct {
	Name string `json:"name"`
}

// Message is a note from the analyzer to whoever started the scan.
type Message struct {
	Level string `json:"level"` // info, warn, fatal
	Value string `json:"value"`
}

// Vulnerability is one finding in the report.
type Vulnerability struct {
	ID          string       `json:"id"`
	Name        string       `json:"name,omitempty"`
	Description string       `json:"description,omitempty"`
	Severity    string       `json:"severity,omitempty"`
	Solution    string       `json:"solution,omitempty"`
	Identifiers []Identifier `json:"identifiers"`
	CVSSVectors []CVSSVector `json:"cvss_vectors,omitempty"`
	Links       []Link       `json:"links,omitempty"`
	Location    Location     `json:"location"`
}

// Identifier names the vulnerability in a database; the first is primary.
type Identifier struct {
	Type  string `json:"type"`
	Name  string `json:"name"`
	URL   string `json:"url,omitempty"`
	Value string `json:"value"`
}

// CVSSVector is one vendor's CVSS v2 or v3.x vector.
type CVSSVector struct {
	Vendor string `json:"vendor"`
	Vector string `json:"vector"`
}

// Link points to documentation about the vulnerability.
type Link struct {
	Name string `json:"name,omitempty"`
	URL  string `json:"url"`
}

// Location is where the vulnerability is: an image and operating system for
// container scanning, a dependency file for dependency scanning.
type Location struct {
	File               string     `json:"file,omitempty"`
	Dependency         Dependency `json:"dependency"`
	OperatingSystem    string     `json:"operating_system,omitempty"`
	Image              string     `json:"image,omitempty"`
	DefaultBranchImage string     `json:"default_branch_image,omitempty"`
}

// Dependency is the vulnerable package and its version.
type Dependency struct {
	Package Package `json:"package"`
	Version string  `json:"version"`
	Direct  *bool   `json:"direct,omitempty"`
}

// Package names the vulnerable package.
type Package struct {
	Name string `json:"name"`
}

// Remediation is a fix GitLab can apply for some vulnerabilities.
type Remediation struct {
	Fixes   []Ref  `json:"fixes"`
	Summary string `json:"summary"`
	Diff    string `json:"diff"`
}

// Ref refers to a vulnerability of the report by id.
type Ref struct {
	ID string `json:"id"`
}

// DependencyFile is a manifest or lock file a dependency scan read.
type DependencyFile struct {
	Path           string       `json:"path"`
	PackageManager string       `json:"package_manager"`
	Dependencies   []Dependency `json:"dependencies"`
}
