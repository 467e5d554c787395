// Package monitor re-matches stored SBOMs when the vulnerability database
// changes: it diffs two grype v6 DB builds by affected package, indexes the
// stored SBOMs by package name, and matches again only the SBOMs holding a
// name whose records were added, changed or withdrawn.
package monitor
