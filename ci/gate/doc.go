// Package gate decides whether a scan fails the pipeline: it marks findings
// suppressed by --ignore-unfixed, GitLab's vulnerability-allowlist.yml and
// OpenVEX documents, and lists the active findings at or above --fail-on.
//
// Exit codes are the CLI's business, by this contract: 1 when Failing
// returns any finding, 2 on any error (a bad allowlist or VEX file, an
// unknown severity name), 0 otherwise.
package gate
