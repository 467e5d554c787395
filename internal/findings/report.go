package findings

import "time"

// SchemaID names this version of the document. A reader refuses any other.
const SchemaID = "vigil.findings/v1"

// Report is one scan of one asset: the content of vigil-findings.json.
type Report struct {
	Schema  string    `json:"schema"`
	Project string    `json:"project,omitempty"` // CI_PROJECT_PATH when known
	Scanner Scanner   `json:"scanner"`
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended"`
	Asset   Asset     `json:"asset"`
	// Findings holds every match, suppressed ones included (see Suppression).
	Findings []Finding `json:"findings"`
}

// Scanner says what produced the report and from which vulnerability data.
type Scanner struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Matcher string `json:"matcher"` // e.g. "grype v0.121.2"
	DB      DB     `json:"db"`
}

// DB describes the vulnerability database the matches came from.
type DB struct {
	Built     time.Time `json:"built"`
	Schema    string    `json:"schema,omitempty"`
	Providers []string  `json:"providers,omitempty"`
}

// Asset is what was scanned.
type Asset struct {
	Kind       string   `json:"kind"`       // image, sbom, dir
	Repository string   `json:"repository"` // image repository without tag or digest
	Digest     string   `json:"digest,omitempty"`
	Tags       []string `json:"tags,omitempty"`
	Platform   string   `json:"platform,omitempty"`
	Distro     *Distro  `json:"distro,omitempty"`
}

// Distro is the operating system found in the asset.
type Distro struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Finding is one vulnerability in one package of the asset.
type Finding struct {
	Fingerprint   string        `json:"fingerprint"`
	Vulnerability Vulnerability `json:"vulnerability"`
	Package       Package       `json:"package"`
	Fix           Fix           `json:"fix"`
	Suppression   *Suppression  `json:"suppression,omitempty"`
}

// Vulnerability is what is known about the vulnerability.
type Vulnerability struct {
	ID          string   `json:"id"`
	Aliases     []string `json:"aliases,omitempty"`
	Severity    Severity `json:"severity"`
	Description string   `json:"description,omitempty"`
	CVSS        []CVSS   `json:"cvss,omitempty"`
	EPSS        *EPSS    `json:"epss,omitempty"`
	KEV         *KEV     `json:"kev,omitempty"`
	URLs        []string `json:"urls,omitempty"`
	DataSource  string   `json:"dataSource,omitempty"`
}

// CVSS is one scoring of the vulnerability.
type CVSS struct {
	Source    string  `json:"source,omitempty"`
	Version   string  `json:"version"`
	Vector    string  `json:"vector"`
	BaseScore float64 `json:"baseScore"`
}

// EPSS is the exploit prediction score on a given day.
type EPSS struct {
	Score      float64 `json:"score"`
	Percentile float64 `json:"percentile"`
	Date       string  `json:"date,omitempty"`
}

// KEV marks a vulnerability in CISA's Known Exploited Vulnerabilities list.
type KEV struct {
	DateAdded  string `json:"dateAdded,omitempty"`
	DueDate    string `json:"dueDate,omitempty"` // YYYY-MM-DD
	Ransomware string `json:"ransomware,omitempty"`
}

// Package is the affected component.
type Package struct {
	Name      string     `json:"name"`
	Version   string     `json:"version"`
	Type      string     `json:"type"` // syft package type: go-module, deb, apk, npm, python, …
	PURL      string     `json:"purl,omitempty"`
	Locations []Location `json:"locations,omitempty"`
}

// Location is where the package was found inside the asset.
type Location struct {
	Path  string `json:"path"`
	Layer string `json:"layer,omitempty"`
}

// Fix is whether and where the vulnerability is fixed.
type Fix struct {
	State    FixState `json:"state"`
	Versions []string `json:"versions,omitempty"`
}

// Suppression kinds.
const (
	SuppressedUnfixed   = "ignore-unfixed"
	SuppressedAllowlist = "allowlist"
	SuppressedVEX       = "vex"
)

// Suppression says why a finding does not count against the gate.
type Suppression struct {
	Kind   string `json:"kind"`
	Reason string `json:"reason"`
}

// Active returns the findings that are not suppressed.
func (r *Report) Active() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Suppression == nil {
			out = append(out, f)
		}
	}
	return out
}
