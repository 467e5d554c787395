// Package match finds the known vulnerabilities of an SBOM with grype as a
// library, configured as the grype CLI is so that both agree, and turns
// grype's matches into vigil findings.
package match
