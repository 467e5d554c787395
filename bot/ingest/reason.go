package ingest

import (
	"errors"
	"fmt"
)

// Reason says why a job's reports were not recorded. The set is fixed: each
// value is a metric label and a field of GET /api/ingests.
type Reason string

// Reasons, in the words a user reads them.
const (
	// NotScanJob: a job named like a scanner left no security report.
	NotScanJob Reason = "not_a_scan_job"
	// NoVulnerabilityReport: the job left an SBOM but no vulnerability report.
	NoVulnerabilityReport Reason = "no_vulnerability_report"
	// ReportRejected: a report exists but is malformed, too large or of an
	// unsupported schema.
	ReportRejected Reason = "report_rejected"
	// ArtifactsExpired: the job's artifacts were gone when the bot came.
	ArtifactsExpired Reason = "artifacts_expired"
	// ProjectNotVisible: the bot's user cannot see the project.
	ProjectNotVisible Reason = "project_not_visible"
	// RefNotTracked: the pipeline ran on a ref that changes no issue.
	RefNotTracked Reason = "ref_not_tracked"
	// JobFailed: a scanner job did not succeed, so it proves nothing.
	JobFailed Reason = "job_failed"
)

// Reasons lists every reason, for documentation and metric pre-registration.
var Reasons = []Reason{NotScanJob, NoVulnerabilityReport, ReportRejected, ArtifactsExpired, ProjectNotVisible, RefNotTracked, JobFailed}

// SkipError says a job gives nothing to record, and why. Retrying does not
// help; the caller records it.
type SkipError struct {
	Reason Reason
	Detail string // what a user should know, e.g. which artifact
	Err    error
}

func (e *SkipError) Error() string {
	msg := string(e.Reason)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *SkipError) Unwrap() error { return e.Err }

// Skip returns a *SkipError.
func Skip(r Reason, format string, args ...any) error {
	return &SkipError{Reason: r, Detail: fmt.Sprintf(format, args...)}
}

// ReasonOf returns the reason of a skip or a rejection, "" for other errors.
func ReasonOf(err error) Reason {
	var skip *SkipError
	if errors.As(err, &skip) {
		return skip.Reason
	}
	var rej *RejectedError
	if errors.As(err, &rej) {
		return ReportRejected
	}
	return ""
}
