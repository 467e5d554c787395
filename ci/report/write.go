package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/glreport"
)

// File names written into the output directory.
const (
	FindingsFile = findings.FindingsFile
	GitLabFile   = findings.ContainerScanningFile
	SummaryFile  = "vigil-summary.md"
)

// Options tune what Write produces.
type Options struct {
	// Image is the scanned reference as the user gave it; it names the image
	// in GitLab's report and the summary. The asset stands in when empty.
	Image string
	// MinSeverity is the lowest severity GitLab's container-scanning report
	// lists (GitLab's CS_SEVERITY_THRESHOLD); the zero value lists all.
	MinSeverity findings.Severity
	// DefaultBranchImage is GitLab's CS_DEFAULT_BRANCH_IMAGE: the name the
	// image has on the default branch, so GitLab tracks a vulnerability as
	// one across branches whose image names differ.
	DefaultBranchImage string
}

// Write writes the findings document, GitLab's container scanning report and
// the Markdown summary into dir, all or nothing (see WriteAll), and returns
// their paths.
func Write(dir string, rep *findings.Report, opts Options) ([]string, error) {
	docs, err := Render(rep, opts)
	if err != nil {
		return nil, err
	}
	return WriteAll(dir, docs)
}

// Render produces and validates the report documents Write writes, so a
// caller that writes more files (the scan's SBOMs) can write them all at once.
func Render(rep *findings.Report, opts Options) ([]Document, error) {
	if rep == nil {
		return nil, errors.New("write reports: no findings report")
	}
	fj, err := findingsJSON(rep)
	if err != nil {
		return nil, err
	}
	if err := findings.Validate(fj); err != nil {
		return nil, fmt.Errorf("write %s: %w", FindingsFile, err)
	}
	glr := glreport.FromFindings(listed(rep, opts.MinSeverity), opts.Image)
	for i := range glr.Vulnerabilities {
		glr.Vulnerabilities[i].Location.DefaultBranchImage = opts.DefaultBranchImage
	}
	gl, err := json.MarshalIndent(glr, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", GitLabFile, err)
	}
	gl = append(gl, '\n')
	if err := glreport.Validate(glreport.TypeContainerScanning, gl); err != nil {
		return nil, fmt.Errorf("write %s: %w", GitLabFile, err)
	}
	var sum bytes.Buffer
	if err := Summary(&sum, rep, opts.Image); err != nil {
		return nil, err
	}
	return []Document{{FindingsFile, fj}, {GitLabFile, gl}, {SummaryFile, sum.Bytes()}}, nil
}
