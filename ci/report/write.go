package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

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
// the Markdown summary into dir (created if missing) and returns their paths.
// It is all or nothing: every document is validated and written to a
// temporary name first, and only then renamed into place, so an error leaves
// no partial report files behind.
func Write(dir string, rep *findings.Report, opts Options) ([]string, error) {
	docs, err := render(rep, opts)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create output directory: %w", err)
	}
	var temps []string
	cleanup := func() {
		for _, t := range temps {
			os.Remove(t)
		}
	}
	for _, d := range docs {
		t, err := writeTemp(dir, d.data)
		if err != nil {
			cleanup()
			return nil, fmt.Errorf("write %s: %w", d.name, err)
		}
		temps = append(temps, t)
	}
	var done []string
	for i, d := range docs {
		final := filepath.Join(dir, d.name)
		if err := os.Rename(temps[i], final); err != nil {
			cleanup()
			for _, p := range done {
				os.Remove(p)
			}
			return nil, fmt.Errorf("write %s: %w", d.name, err)
		}
		done = append(done, final)
	}
	return done, nil
}

type document struct {
	name string
	data []byte
}

// render produces and validates every document before anything touches disk.
func render(rep *findings.Report, opts Options) ([]document, error) {
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
	return []document{{FindingsFile, fj}, {GitLabFile, gl}, {SummaryFile, sum.Bytes()}}, nil
}

func writeTemp(dir string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, ".vigil-report-*.tmp")
	if err != nil {
		return "", err
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(f.Name())
		return "", err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}
