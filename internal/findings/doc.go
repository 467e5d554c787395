// Package findings is the contract between the scan job and the bot: the
// vigil.findings/v1 document, severities and the fingerprint that identifies
// a finding across builds.
package findings
