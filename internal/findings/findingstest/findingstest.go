// Package findingstest builds findings for tests: one builder with the
// package and vulnerability in a fixed order and everything else as options,
// instead of a helper per test package with its own argument order.
package findingstest

import (
	"slices"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Option sets one more field of a built finding. Options copy the slices
// they are given, so findings built with one shared option share nothing.
type Option func(*findings.Finding)

// Finding is vulnerability id in package name at version of ecosystem typ
// (a syft package type: go-module, npm, deb, …), severity Unknown and no fix
// known unless the options say otherwise.
func Finding(id, typ, name, version string, opts ...Option) findings.Finding {
	f := findings.Finding{
		Vulnerability: findings.Vulnerability{ID: id},
		Package:       findings.Package{Name: name, Version: version, Type: typ},
		Fix:           findings.Fix{State: findings.FixUnavailable},
	}
	for _, o := range opts {
		o(&f)
	}
	return f
}

// Severity sets the vulnerability's severity.
func Severity(s findings.Severity) Option {
	return func(f *findings.Finding) { f.Vulnerability.Severity = s }
}

// Fixed says the vulnerability is fixed in versions; none leaves the fix
// unknown, as a scanner reports a vulnerability without fix versions.
func Fixed(versions ...string) Option {
	return func(f *findings.Finding) {
		if len(versions) > 0 {
			f.Fix = findings.Fix{State: findings.FixAvailable, Versions: slices.Clone(versions)}
		}
	}
}

// Fix sets the fix as given.
func Fix(fix findings.Fix) Option {
	return func(f *findings.Finding) { f.Fix = fix }
}

// Fingerprint sets the fingerprint, for tests that key findings by hand.
func Fingerprint(fp string) Option {
	return func(f *findings.Finding) { f.Fingerprint = fp }
}

// Aliases sets the vulnerability's aliases.
func Aliases(ids ...string) Option {
	return func(f *findings.Finding) { f.Vulnerability.Aliases = slices.Clone(ids) }
}

// URLs sets the vulnerability's reference URLs.
func URLs(urls ...string) Option {
	return func(f *findings.Finding) { f.Vulnerability.URLs = slices.Clone(urls) }
}

// URLFor sets the vulnerability's one reference URL to prefix followed by
// its id, as advisory databases link their records.
func URLFor(prefix string) Option {
	return func(f *findings.Finding) { f.Vulnerability.URLs = []string{prefix + f.Vulnerability.ID} }
}

// CVSS sets the vulnerability's CVSS scores.
func CVSS(c ...findings.CVSS) Option {
	return func(f *findings.Finding) { f.Vulnerability.CVSS = slices.Clone(c) }
}

// Locations sets where the package was found.
func Locations(paths ...string) Option {
	return func(f *findings.Finding) {
		f.Package.Locations = nil
		for _, p := range paths {
			f.Package.Locations = append(f.Package.Locations, findings.Location{Path: p})
		}
	}
}

// All applies several options as one, for defaults a test file shares.
func All(opts ...Option) Option {
	return func(f *findings.Finding) {
		for _, o := range opts {
			o(f)
		}
	}
}
