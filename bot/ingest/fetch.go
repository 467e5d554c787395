package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/budget"
	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/glreport"
)

// DefaultArtifacts are the plain artifacts looked for in every job with an
// artifacts archive; GitLab's own reports are found from the job's
// artifacts:reports instead (see PlanJob).
var DefaultArtifacts = []string{findings.FindingsFile}

// Report is one checked report and the artifact it came from.
type Report struct {
	Artifact string
	// Kind is the report's kind: glreport.TypeContainerScanning (vigil's
	// own documents too) or glreport.TypeDependencyScanning.
	Kind   string
	Report *findings.Report
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

// FetchJob reads the reports a plan names. A report that exists but is
// unusable fails the whole fetch with a *RejectedError, so nothing of that job
// is half-recorded; a declared report that is gone is a *SkipError
// (ArtifactsExpired); a job where nothing is found is one too (NotScanJob).
// vigil's findings document, when present, stands in for the container
// scanning report vigil writes beside it: the same findings, with more facts.
func (f *Fetcher) FetchJob(ctx context.Context, projectID int64, job *gitlab.Job, plan Plan) ([]Report, error) {
	var out []Report
	probes := append(slices.Clone(plan.Probe), f.artifacts...)
	slices.Sort(probes)
	for _, name := range slices.Compact(probes) {
		rep, err := f.read(ctx, projectID, job.ID, name)
		if err != nil {
			return nil, err
		}
		if rep != nil {
			out = append(out, *rep)
		}
	}
	haveVigil := slices.ContainsFunc(out, func(r Report) bool { return r.Artifact == findings.FindingsFile })
	for _, name := range plan.Artifacts {
		rep, err := f.read(ctx, projectID, job.ID, name)
		if err != nil {
			return nil, err
		}
		if rep == nil {
			return nil, Skip(ArtifactsExpired, "job %d lists %s among its reports but GitLab no longer serves it", job.ID, name)
		}
		if haveVigil && rep.Kind == glreport.TypeContainerScanning {
			continue
		}
		out = append(out, *rep)
	}
	f.nameImage(ctx, projectID, job.ID, plan, out)
	switch {
	case len(out) == 0 && plan.SBOMOnly:
		return nil, Skip(NoVulnerabilityReport, "job %d left a CycloneDX SBOM but no container or dependency scanning report", job.ID)
	case len(out) == 0:
		return nil, Skip(NotScanJob, "job %d (%s) has no security report among its artifacts", job.ID, job.Name)
	}
	return out, nil
}

// perMiB is the time a job's budget grows by for each MiB of artifact it
// downloads, the schema check and decoding of a loaded machine.
const perMiB = 2 * time.Second

// read downloads and checks one artifact; nil when the job has no such file.
func (f *Fetcher) read(ctx context.Context, projectID, jobID int64, name string) (*Report, error) {
	data, err := f.download(ctx, projectID, jobID, name)
	if err != nil || data == nil {
		return nil, err
	}
	// A downloaded artifact is work just found: checking it against its
	// schema takes time in proportion to its size.
	budget.Extend(ctx, time.Duration(len(data))*perMiB>>20)
	rep, kind, err := parse(name, data, f.maxBytes)
	if err != nil {
		return nil, &RejectedError{Artifact: name, Err: err}
	}
	return &Report{Artifact: name, Kind: kind, Report: rep}, nil
}

// download streams one artifact into a single buffer of at most maxBytes
// (sized by Content-Length when GitLab announces one), refusing it as soon
// as it would exceed the limit. client-go's DownloadSingleArtifactsFile is
// not used: it reads the whole body into a growing bytes.Buffer, whatever
// its size, before the caller sees a byte.
func (f *Fetcher) download(ctx context.Context, projectID, jobID int64, name string) ([]byte, error) {
	buf := &artifactBuffer{max: f.maxBytes, announced: -1}
	ctx = withAnnounced(WithLimit(ctx, f.maxBytes), &buf.announced)
	req, err := f.client.NewRequest(http.MethodGet, fmt.Sprintf("projects/%d/jobs/%d/artifacts/%s", projectID, jobID, name), nil,
		[]gitlab.RequestOptionFunc{gitlab.WithContext(ctx)})
	if err != nil {
		return nil, fmt.Errorf("download %s of job %d: %w", name, jobID, err)
	}
	resp, err := f.client.Do(req, buf)
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			return nil, nil
		}
		if errors.Is(err, ErrTooLarge) {
			return nil, &RejectedError{Artifact: name, Err: fmt.Errorf("%w of %d bytes", ErrTooLarge, f.maxBytes)}
		}
		return nil, fmt.Errorf("download %s of job %d: %w", name, jobID, err)
	}
	if buf.data == nil {
		return []byte{}, nil // an empty file is there, and not a report
	}
	return buf.data, nil
}

// Parse checks and reads one report by its artifact name: the vigil findings
// document against its JSON Schema, anything else as a GitLab security
// report (schema 14.x or 15.x) through glreport.
func Parse(name string, data []byte, maxBytes int64) (*findings.Report, error) {
	rep, _, err := parse(name, data, maxBytes)
	return rep, err
}

func parse(name string, data []byte, maxBytes int64) (*findings.Report, string, error) {
	if maxBytes > 0 && int64(len(data)) > maxBytes {
		return nil, "", fmt.Errorf("%w of %d bytes", ErrTooLarge, maxBytes)
	}
	if name == findings.FindingsFile {
		rep, err := findings.Decode(data)
		return rep, glreport.TypeContainerScanning, err
	}
	var head struct {
		Scan struct {
			Type string `json:"type"`
		} `json:"scan"`
	}
	_ = json.Unmarshal(data, &head) // glreport.Parse explains what is wrong
	rep, err := glreport.Parse(data)
	if err != nil {
		return nil, "", fmt.Errorf("read gitlab security report: %w", err)
	}
	return rep, head.Scan.Type, nil
}
