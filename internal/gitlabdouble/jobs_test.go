package gitlabdouble

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

func TestJobsAndArtifacts(t *testing.T) {
	f := newFixture(t, map[string][]byte{"main.go": []byte("package main\n")})
	findings := []byte(`{"schema":"vigil.findings/v1","findings":[]}`)
	expires := f.now.Add(24 * time.Hour)
	pl, jobs := f.srv.FinishPipeline(f.project.ID, PipelineSpec{Jobs: []JobSpec{
		{Name: "build", Stage: "build"},
		{Name: "vigil-scan", Stage: "test", Artifacts: map[string][]byte{
			"vigil-findings.json":                findings,
			"reports/gl-container-scanning.json": []byte(`{"version":"15.0.7"}`),
		}, Reports: map[string]string{"container_scanning": "reports/gl-container-scanning.json"}, ArtifactsExpireAt: &expires},
		{Name: "lint", Status: "failed", AllowFailure: true},
	}})
	if pl.Status != "success" || len(jobs) != 3 {
		t.Fatalf("pipeline %s with %d jobs", pl.Status, len(jobs))
	}
	scan := jobs[1]

	j, _, err := f.client.Jobs.GetJob(f.project.ID, int64(scan.ID))
	if err != nil {
		t.Fatal(err)
	}
	if j.Name != "vigil-scan" || j.Stage != "test" || j.Status != "success" || j.Pipeline.ID != int64(pl.ID) || j.Ref != "main" ||
		j.ArtifactsFile.Filename != "artifacts.zip" || j.Commit == nil || j.Commit.ID != pl.SHA || j.User.Username != "vigil-bot" {
		t.Errorf("job %+v", j)
	}
	var types []string
	for _, a := range j.Artifacts {
		types = append(types, a.FileType)
	}
	if len(types) != 3 || types[2] != "container_scanning" {
		t.Errorf("artifact types %v", types)
	}

	rd, _, err := f.client.Jobs.GetJobArtifacts(f.project.ID, int64(scan.ID))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rd)
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("artifacts are not a zip: %v", err)
	}
	if len(zr.File) != 2 || zr.File[1].Name != "vigil-findings.json" {
		t.Errorf("zip holds %d files", len(zr.File))
	}

	rd, _, err = f.client.Jobs.DownloadSingleArtifactsFile(f.project.ID, int64(scan.ID), "vigil-findings.json")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(rd); !bytes.Equal(b, findings) {
		t.Errorf("single artifact = %q", b)
	}
	rd, _, err = f.client.Jobs.DownloadSingleArtifactsFile(f.project.ID, int64(scan.ID), "reports/gl-container-scanning.json")
	if err != nil {
		t.Fatalf("nested artifact path: %v", err)
	}
	if b, _ := io.ReadAll(rd); string(b) != `{"version":"15.0.7"}` {
		t.Errorf("nested artifact = %q", b)
	}

	notFound := []func() (*gitlab.Response, error){
		func() (*gitlab.Response, error) {
			_, r, err := f.client.Jobs.DownloadSingleArtifactsFile(f.project.ID, int64(scan.ID), "nope.json")
			return r, err
		},
		func() (*gitlab.Response, error) {
			_, r, err := f.client.Jobs.GetJobArtifacts(f.project.ID, int64(jobs[0].ID))
			return r, err
		},
		func() (*gitlab.Response, error) { _, r, err := f.client.Jobs.GetJob(f.project.ID, 9999); return r, err },
		func() (*gitlab.Response, error) {
			_, r, err := f.client.Pipelines.GetPipeline(f.project.ID, 9999)
			return r, err
		},
	}
	for k, call := range notFound {
		if resp, _ := call(); statusOf(resp) != http.StatusNotFound {
			t.Errorf("case %d: status %d, want 404", k, statusOf(resp))
		}
	}

	f.tick(25 * time.Hour)
	if _, resp, _ := f.client.Jobs.GetJobArtifacts(f.project.ID, int64(scan.ID)); statusOf(resp) != http.StatusNotFound {
		t.Errorf("expired artifacts status %d", statusOf(resp))
	}
}

func TestPipelines(t *testing.T) {
	f := newFixture(t, map[string][]byte{"a": []byte("a")})
	f.srv.FinishPipeline(f.project.ID, PipelineSpec{Jobs: []JobSpec{{Name: "scan", Status: "failed"}}})
	pl, _ := f.srv.FinishPipeline(f.project.ID, PipelineSpec{Jobs: []JobSpec{{Name: "scan", Duration: 90 * time.Second}}})

	got, _, err := f.client.Pipelines.GetPipeline(f.project.ID, int64(pl.ID))
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "success" || got.Ref != "main" || got.SHA != f.srv.BranchHead(f.project.ID, "main") || got.Duration != 90 || got.User.Username != "vigil-bot" || got.DetailedStatus.Label != "passed" {
		t.Errorf("pipeline %+v", got)
	}
	list, _, err := f.client.Pipelines.ListProjectPipelines(f.project.ID, &gitlab.ListProjectPipelinesOptions{Status: gitlab.Ptr(gitlab.Failed)})
	if err != nil || len(list) != 1 || list[0].Status != "failed" {
		t.Fatalf("failed pipelines: %v %v", err, list)
	}
	jobs, _, err := f.client.Jobs.ListPipelineJobs(f.project.ID, int64(pl.ID), nil)
	if err != nil || len(jobs) != 1 || jobs[0].Name != "scan" || jobs[0].Duration != 90 {
		t.Fatalf("pipeline jobs: %v %+v", err, jobs)
	}
}
