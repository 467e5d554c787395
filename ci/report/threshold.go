package report

import "gitlab.com/vigil-vm/vigil/internal/findings"

// listed is rep with only the findings at or above min: GitLab's
// CS_SEVERITY_THRESHOLD, which decides what the container-scanning report
// shows. The gate and vigil-findings.json always see every finding.
func listed(rep *findings.Report, min findings.Severity) *findings.Report {
	if min <= findings.Unknown {
		return rep
	}
	out := *rep
	out.Findings = nil
	for _, f := range rep.Findings {
		if f.Vulnerability.Severity >= min {
			out.Findings = append(out.Findings, f)
		}
	}
	return &out
}
