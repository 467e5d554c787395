package ingest

import (
	"slices"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Report file types, as the Jobs API lists a job's artifacts:reports.
const (
	FileTypeContainerScanning  = "container_scanning"
	FileTypeDependencyScanning = "dependency_scanning"
	FileTypeCycloneDX          = "cyclonedx"
)

// TemplateJobNames are the scanner jobs of GitLab's CI templates, current and
// previous, and vigil's own. Whether a job is a scan is decided from its
// report artifacts, not from this list; the list only says which jobs are
// worth a record when they leave no report or fail.
var TemplateJobNames = []string{
	"container_scanning",                   // Container-Scanning, all versions
	"dependency_scanning",                  // Dependency-Scanning before 13.0 (one orchestrator job), and the latest analyzer
	"dependency-scanning",                  // Dependency-Scanning.v2 (SBOM based)
	"gemnasium-dependency_scanning",        // Dependency-Scanning: Go, JS, Ruby, PHP, C#, C/C++
	"gemnasium-maven-dependency_scanning",  // Dependency-Scanning: Java, Kotlin, Scala
	"gemnasium-python-dependency_scanning", // Dependency-Scanning: Python
	"bundler-audit-dependency_scanning",    // Dependency-Scanning before 14.0
	"retire-js-dependency_scanning",        // Dependency-Scanning before 15.0
	"vigil-scan",                           // vigil's CI component
	"vigil",                                // vigil's CI component, short form
}

// LooksLikeScanner reports whether a job name is one a scanner template uses.
func LooksLikeScanner(name string) bool { return slices.Contains(TemplateJobNames, name) }

// Plan is what to read from one job.
type Plan struct {
	// Artifacts to download, in order of preference.
	Artifacts []string
	// Probe lists artifacts to try although the job does not declare them
	// as reports (vigil-findings.json is a plain artifact).
	Probe []string
	// SBOMOnly is set when the job declares only CycloneDX reports.
	SBOMOnly bool
	// SBOMs are the job's CycloneDX reports; they may name the scanned
	// image when the vulnerability report cannot (a clean one).
	SBOMs []string
}

// PlanJob decides from what GitLab says about a job which reports to read.
// A job with a container or dependency scanning report, or a CycloneDX SBOM,
// is a scan job whatever it is called; any job with an artifacts archive may
// hold vigil-findings.json. It returns a *SkipError when there is nothing to
// read.
func PlanJob(job *gitlab.Job, now time.Time) (Plan, error) {
	if job.ArtifactsExpireAt != nil && !now.Before(*job.ArtifactsExpireAt) {
		return Plan{}, Skip(ArtifactsExpired, "the artifacts of job %d expired at %s", job.ID, job.ArtifactsExpireAt.UTC().Format(time.RFC3339))
	}
	var p Plan
	hasArchive, hasSBOM := false, false
	for _, a := range job.Artifacts {
		switch a.FileType {
		case FileTypeContainerScanning:
			p.Artifacts = append(p.Artifacts, nameOr(a.Filename, findings.ContainerScanningFile))
		case FileTypeDependencyScanning:
			p.Artifacts = append(p.Artifacts, nameOr(a.Filename, findings.DependencyScanningFile))
		case FileTypeCycloneDX:
			hasSBOM = true
			if a.Filename != "" {
				p.SBOMs = append(p.SBOMs, a.Filename)
			}
		case "archive":
			hasArchive = true
		}
	}
	if hasArchive {
		p.Probe = []string{findings.FindingsFile}
	}
	switch {
	case len(p.Artifacts) > 0 || len(p.Probe) > 0:
		p.SBOMOnly = hasSBOM && len(p.Artifacts) == 0
		return p, nil
	case hasSBOM:
		return Plan{}, Skip(NoVulnerabilityReport, "job %d left a CycloneDX SBOM but no container or dependency scanning report", job.ID)
	}
	return Plan{}, Skip(NotScanJob, "job %d (%s) declares no security report and has no artifacts", job.ID, job.Name)
}

func nameOr(name, def string) string {
	if name == "" {
		return def
	}
	return name
}
