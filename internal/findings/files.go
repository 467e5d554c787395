package findings

// Artifact file names of the reports a scan job leaves for the bot. The scan
// writes them and the bot looks for them, so both take the names from here.
const (
	// FindingsFile is vigil's own findings document.
	FindingsFile = "vigil-findings.json"
	// ContainerScanningFile is GitLab's container scanning report.
	ContainerScanningFile = "gl-container-scanning-report.json"
	// DependencyScanningFile is GitLab's dependency scanning report.
	DependencyScanningFile = "gl-dependency-scanning-report.json"
)
