// Package report writes what a scan found: the findings document, GitLab's
// container scanning report, a Markdown summary for merge requests and a
// plain table for the job log.
package report
