package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/glreport"
)

// Artifact file names the bot reads, in order of preference.
const (
	VigilReport             = "vigil-findings.json"
	ContainerScanningReport = "gl-container-scanning-report.json"
	DependencyScanReport    = "gl-dependency-scanning-report.json"
)

// DefaultArtifacts are the reports looked for in a job.
var DefaultArtifacts = []string{VigilReport, ContainerScanningReport, DependencyScanReport}

// Report is one checked report and the artifact it came from.
type Report struct {
	Artifact string
	Report   *findings.Report
}

// RejectedError says an artifact exists but cannot be used: too large, not
// JSON, not matching its schema. Retrying does not help.
type RejectedError struct {
	Artifact string
	Err      error
}

func (e *RejectedError) Error() string { return fmt.Sprintf("reject %s: %v", e.Artifact, e.Err) }
func (e *RejectedError) Unwrap() error { return e.Err }

// Fetcher downloads reports through the jobs-artifacts API.
type Fetcher struct {
	client    *gitlab.Client
	maxBytes  int64
	artifacts []string
}

// NewFetcher returns a fetcher; client's transport should include
// LimitTransport so oversized artifacts are cut off while downloading.
func NewFetcher(client *gitlab.Client, maxBytes int64, artifacts []string) *Fetcher {
	if maxBytes <= 0 {
		maxBytes = findings.MaxReportBytes
	}
	if len(artifacts) == 0 {
		artifacts = DefaultArtifacts
	}
	return &Fetcher{client: client, maxBytes: maxBytes, artifacts: artifacts}
}

// Fetch returns every known report among a job's artifacts; none is not an
// error. A report that exists but is unusable fails the whole fetch with a
// *RejectedError, so nothing of that job is half-recorded.
func (f *Fetcher) Fetch(ctx context.Context, projectID, jobID int64) ([]Report, error) {
	var out []Report
	for _, name := range f.artifacts {
		data, err := f.download(ctx, projectID, jobID, name)
		if err != nil {
			return nil, err
		}
		if data == nil {
			continue
		}
		rep, err := Parse(name, data, f.maxBytes)
		if err != nil {
			return nil, &RejectedError{Artifact: name, Err: err}
		}
		out = append(out, Report{Artifact: name, Report: rep})
	}
	return out, nil
}

func (f *Fetcher) download(ctx context.Context, projectID, jobID int64, name string) ([]byte, error) {
	r, resp, err := f.client.Jobs.DownloadSingleArtifactsFile(projectID, jobID, name, gitlab.WithContext(WithLimit(ctx, f.maxBytes)))
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			return nil, nil
		}
		if errors.Is(err, ErrTooLarge) {
			return nil, &RejectedError{Artifact: name, Err: fmt.Errorf("%w of %d bytes", ErrTooLarge, f.maxBytes)}
		}
		return nil, fmt.Errorf("download %s of job %d: %w", name, jobID, err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("download %s of job %d: %w", name, jobID, err)
	}
	if int64(len(data)) > f.maxBytes {
		return nil, &RejectedError{Artifact: name, Err: fmt.Errorf("%w of %d bytes", ErrTooLarge, f.maxBytes)}
	}
	return data, nil
}

// Parse checks and reads one report by its artifact name: the vigil findings
// document against its JSON Schema, GitLab's security reports (schema 15.x)
// through glreport.
func Parse(name string, data []byte, maxBytes int64) (*findings.Report, error) {
	if maxBytes > 0 && int64(len(data)) > maxBytes {
		return nil, fmt.Errorf("%w of %d bytes", ErrTooLarge, maxBytes)
	}
	switch name {
	case ContainerScanningReport, DependencyScanReport:
		rep, err := glreport.Parse(data)
		if err != nil {
			return nil, fmt.Errorf("read gitlab security report: %w", err)
		}
		return rep, nil
	default:
		rep, err := findings.Read(bytes.NewReader(data), maxBytes)
		if err != nil {
			return nil, err
		}
		return rep, nil
	}
}
