// Package monitor is the bot's side of continuous monitoring: what it needs
// of a vulnerability matcher (injected from cmd/vigil, which implements it
// with ci/monitor: bot/ imports neither ci/ nor grype), and the plan of
// which stored SBOMs a new DB build must match again.
package monitor

import (
	"context"
	"slices"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Build is one vulnerability DB build.
type Build struct {
	Checksum string    `json:"checksum"` // the DB file's digest: the build's identity
	Built    time.Time `json:"built"`
	Schema   string    `json:"schema"`
	Dir      string    `json:"dir,omitempty"` // where the matcher keeps it
}

// Name is how issues and notes name the build.
func (b Build) Name() string {
	return "DB build of " + b.Built.UTC().Format(time.RFC3339) + ", " + b.Checksum
}

// DetectedBy is what a finding a re-match found says about its detection.
func (b Build) DetectedBy() string { return "continuous monitoring (" + b.Name() + ")" }

// Changes is what differs between two builds.
type Changes struct {
	// Full: the builds cannot be compared (the first build, a new schema):
	// every stored SBOM is matched again.
	Full bool
	// Keys are the match keys (Result.Keys) whose records changed; an SBOM
	// whose last match asked none of them needs no new match.
	Keys []string
	// Vulnerabilities are the ids whose records were added, changed or
	// withdrawn; Withdrawn the withdrawn ones. A stored finding of one of
	// them that a re-match no longer finds is resolved.
	Vulnerabilities []string
	Withdrawn       []string
}

// Result is one stored SBOM matched against a build.
type Result struct {
	Findings []findings.Finding
	// Keys are the questions the match asked the DB, opaque to the bot:
	// stored with the SBOM, compared with the next Changes.
	Keys []string
}

// Matcher is what the bot needs of a vulnerability matcher.
type Matcher interface {
	// Latest is the newest DB build available: online, grype's listing;
	// offline, the DB in the configured directory.
	Latest(ctx context.Context) (Build, error)
	// Diff compares two builds by affected package.
	Diff(ctx context.Context, from, to Build) (Changes, error)
	// Match matches a stored SBOM document (as the scan job wrote it)
	// against a build; findings carry fingerprints for projectPath and asset.
	Match(ctx context.Context, b Build, document []byte, projectPath string, asset findings.Asset) (Result, error)
}

// Cataloger makes the SBOM of an inventoried image that no scan job left
// one for, as a scan job writes it (CycloneDX naming syft and vigil). Like
// the Matcher it comes from cmd/vigil (ci/scan, pulling through the layer
// cache `vigil scan` uses).
type Cataloger interface {
	// Tools are the syft and vigil versions its SBOMs name. A stored SBOM
	// another syft made is made again: the catalogers changed.
	Tools() (syft, vigil string)
	// Catalog pulls repository@digest and returns its SBOM document.
	Catalog(ctx context.Context, repository, digest string) ([]byte, error)
}

// Needs reports whether a stored SBOM last matched against build with these
// keys must be matched against the build ch leads to: always when the diff
// is Full or the SBOM was never matched, else when it asked a changed key.
func (ch Changes) Needs(build string, keys []string, changed map[string]bool) bool {
	if ch.Full || build == "" {
		return true
	}
	return slices.ContainsFunc(keys, func(k string) bool { return changed[k] })
}

// KeySet is Keys as a set, for Needs.
func (ch Changes) KeySet() map[string]bool {
	out := make(map[string]bool, len(ch.Keys))
	for _, k := range ch.Keys {
		out[k] = true
	}
	return out
}

// Batch cuts digests into batches of at most n: each is one job, so
// replicas share a fleet and a replica that dies loses one batch's work
// (River hands the job to another).
func Batch(digests []string, n int) [][]string {
	var out [][]string
	for len(digests) > 0 {
		k := min(n, len(digests))
		out = append(out, digests[:k:k])
		digests = digests[k:]
	}
	return out
}
