package gitlabdouble

import (
	"archive/zip"
	"bytes"
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Job is a CI job as GET /projects/:id/jobs/:job_id shows it.
type Job struct {
	ID                int              `json:"id"`
	Status            string           `json:"status"`
	Stage             string           `json:"stage"`
	Name              string           `json:"name"`
	Ref               string           `json:"ref"`
	Tag               bool             `json:"tag"`
	Coverage          *float64         `json:"coverage"`
	AllowFailure      bool             `json:"allow_failure"`
	CreatedAt         time.Time        `json:"created_at"`
	StartedAt         *time.Time       `json:"started_at"`
	FinishedAt        *time.Time       `json:"finished_at"`
	ErasedAt          *time.Time       `json:"erased_at"`
	Duration          float64          `json:"duration"`
	QueuedDuration    float64          `json:"queued_duration"`
	User              User             `json:"user"`
	Commit            CommitView       `json:"commit"`
	Pipeline          JobPipeline      `json:"pipeline"`
	FailureReason     string           `json:"failure_reason,omitempty"`
	WebURL            string           `json:"web_url"`
	Project           map[string]bool  `json:"project"`
	Artifacts         []JobArtifact    `json:"artifacts"`
	ArtifactsFile     *JobArtifactFile `json:"artifacts_file,omitempty"`
	Runner            *JobRunner       `json:"runner"`
	ArtifactsExpireAt *time.Time       `json:"artifacts_expire_at"`
	Archived          bool             `json:"archived"`
	TagList           []string         `json:"tag_list"`
}

// JobPipeline is the pipeline summary inside a job.
type JobPipeline struct {
	ID        int       `json:"id"`
	IID       int       `json:"iid"`
	ProjectID int       `json:"project_id"`
	SHA       string    `json:"sha"`
	Ref       string    `json:"ref"`
	Status    string    `json:"status"`
	Source    string    `json:"source"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	WebURL    string    `json:"web_url"`
}

// JobArtifact is one entry of a job's artifacts list.
type JobArtifact struct {
	FileType   string  `json:"file_type"`
	Size       int     `json:"size"`
	Filename   string  `json:"filename"`
	FileFormat *string `json:"file_format"`
}

// JobArtifactFile is the job's artifacts archive.
type JobArtifactFile struct {
	Filename string `json:"filename"`
	Size     int    `json:"size"`
}

// JobRunner is the runner that ran a job.
type JobRunner struct {
	ID          int     `json:"id"`
	Description string  `json:"description"`
	IPAddress   *string `json:"ip_address"`
	Active      bool    `json:"active"`
	Paused      bool    `json:"paused"`
	IsShared    bool    `json:"is_shared"`
	RunnerType  string  `json:"runner_type"`
	Name        string  `json:"name"`
	Online      bool    `json:"online"`
	Status      string  `json:"status"`
}

type jobState struct {
	Job
	pipelineID int
	userID     int
	sha        string
	files      map[string][]byte
	reports    map[string]string
	archive    []byte
}

func (s *Server) newJob(p *projectState, pl *Pipeline, u *userState, js JobSpec, started time.Time) *jobState {
	finished := started.Add(js.Duration)
	j := &jobState{
		Job: Job{
			ID: s.ids.next(&s.ids.job), Status: cmp.Or(js.Status, "success"), Stage: cmp.Or(js.Stage, "test"),
			Name: js.Name, Ref: pl.Ref, AllowFailure: js.AllowFailure, CreatedAt: pl.CreatedAt,
			StartedAt: &started, FinishedAt: &finished, Duration: js.Duration.Seconds(), QueuedDuration: 0.5,
			ArtifactsExpireAt: js.ArtifactsExpireAt, TagList: []string{},
			Runner: &JobRunner{ID: 1, Description: "double-runner", Active: true, IsShared: true, RunnerType: "instance_type", Name: "gitlab-runner", Online: true, Status: "online"},
		},
		pipelineID: pl.ID, userID: u.ID, sha: pl.SHA, files: maps.Clone(js.Artifacts), reports: maps.Clone(js.Reports),
	}
	if j.Status == "failed" {
		j.FailureReason = "script_failure"
	}
	if len(js.Artifacts) > 0 {
		j.archive = zipFiles(js.Artifacts)
	}
	p.jobs = append(p.jobs, j)
	return j
}

func zipFiles(files map[string][]byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range sortedPaths(files) {
		w, err := zw.Create(name)
		if err == nil {
			_, _ = w.Write(files[name])
		}
	}
	_ = zw.Close()
	return buf.Bytes()
}

func strPtr(s string) *string { return &s }

func (s *Server) jobView(p *projectState, j *jobState) Job {
	v := j.Job
	pl := p.pipeline(j.pipelineID)
	v.User = *s.userRef(j.userID)
	if c := p.repo.commits[j.sha]; c != nil {
		v.Commit = s.commitView(p, c, false)
	} else {
		v.Commit = CommitView{ID: j.sha, ShortID: j.sha[:min(8, len(j.sha))], ParentIDs: []string{}, Trailers: map[string]string{}}
	}
	v.Pipeline = JobPipeline{ID: pl.ID, IID: pl.IID, ProjectID: p.ID, SHA: pl.SHA, Ref: pl.Ref, Status: pl.Status, Source: pl.Source, CreatedAt: pl.CreatedAt, UpdatedAt: pl.UpdatedAt, WebURL: pl.WebURL}
	v.WebURL = s.baseURL + "/" + p.PathWithNamespace + "/-/jobs/" + strconv.Itoa(j.ID)
	v.Project = map[string]bool{"ci_job_token_scope_enabled": false}
	v.Artifacts = []JobArtifact{}
	if j.archive != nil && !s.expired(j) {
		v.ArtifactsFile = &JobArtifactFile{Filename: "artifacts.zip", Size: len(j.archive)}
		v.Artifacts = append(v.Artifacts,
			JobArtifact{FileType: "archive", Size: len(j.archive), Filename: "artifacts.zip", FileFormat: strPtr("zip")},
			JobArtifact{FileType: "metadata", Size: 200, Filename: "metadata.gz", FileFormat: strPtr("gzip")})
		for _, typ := range slices.Sorted(maps.Keys(j.reports)) {
			name := j.reports[typ]
			v.Artifacts = append(v.Artifacts, JobArtifact{FileType: typ, Size: len(j.files[name]), Filename: name[strings.LastIndex(name, "/")+1:], FileFormat: strPtr("raw")})
		}
	}
	v.TagList = []string{}
	return v
}

func (s *Server) expired(j *jobState) bool {
	return j.ArtifactsExpireAt != nil && !s.now().Before(*j.ArtifactsExpireAt)
}

// Jobs returns the project's jobs, oldest first.
func (s *Server) Jobs(projectID int) []Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustProject(projectID)
	var out []Job
	for _, j := range p.jobs {
		out = append(out, s.jobView(p, j))
	}
	return out
}

func (p *projectState) job(id int) *jobState {
	for _, j := range p.jobs {
		if j.ID == id {
			return j
		}
	}
	return nil
}

func (r *request) job() (*projectState, *jobState, bool) {
	p, ok := r.codeProject()
	if !ok {
		return nil, nil, false
	}
	id, ok := r.intPath("job_id", "")
	if !ok {
		return nil, nil, false
	}
	j := p.job(id)
	if j == nil {
		r.fail(http.StatusNotFound, "404 Not found")
		return nil, nil, false
	}
	return p, j, true
}

func (s *Server) jobRoutes() {
	s.route("GET /projects/:id/jobs/:job_id", func(r *request) {
		if p, j, ok := r.job(); ok {
			r.json(http.StatusOK, s.jobView(p, j))
		}
	})
	s.route("GET /projects/:id/jobs", func(r *request) {
		p, ok := r.codeProject()
		if !ok {
			return
		}
		scope, _ := r.params.list("scope")
		var out []Job
		for k := len(p.jobs) - 1; k >= 0; k-- {
			if j := p.jobs[k]; len(scope) == 0 || containsString(scope, j.Status) {
				out = append(out, s.jobView(p, j))
			}
		}
		r.json(http.StatusOK, paginate(r, nonNil(out)))
	})
	s.route("GET /projects/:id/jobs/:job_id/artifacts", func(r *request) {
		_, j, ok := r.job()
		if !ok {
			return
		}
		if j.archive == nil || s.expired(j) {
			r.fail(http.StatusNotFound, "404 Not found")
			return
		}
		h := r.w.Header()
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Disposition", `attachment; filename="artifacts.zip"; filename*=UTF-8''artifacts.zip`)
		h.Set("Content-Length", strconv.Itoa(len(j.archive)))
		r.w.WriteHeader(http.StatusOK)
		_, _ = r.w.Write(j.archive)
	})
	s.route("GET /projects/:id/jobs/:job_id/artifacts/*artifact_path", func(r *request) {
		_, j, ok := r.job()
		if !ok {
			return
		}
		name := r.r.PathValue("artifact_path")
		body, found := j.files[name]
		if !found || s.expired(j) {
			r.fail(http.StatusNotFound, "404 Not found")
			return
		}
		h := r.w.Header()
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename=%q`, name[strings.LastIndex(name, "/")+1:]))
		r.w.WriteHeader(http.StatusOK)
		_, _ = r.w.Write(body)
	})
}

// jobEvent sends a Job Hook for j as it was when it had status (the final
// status, or "pending"/"running" for lifecycle hooks). The caller holds s.mu.
func (s *Server) jobEvent(p *projectState, pl *Pipeline, j *jobState, u *userState, status string) {
	final := status == j.Status
	plStatus := pl.Status
	if !final {
		plStatus = "running"
	}
	c := p.repo.commits[j.sha]
	commit := map[string]any{
		"id": pl.ID, "name": nil, "sha": j.sha, "status": plStatus, "duration": nil,
		"started_at": hookTimePtr(pl.StartedAt), "finished_at": nil,
		"message": "", "author_name": "", "author_email": "", "author_url": "",
	}
	if final {
		commit["duration"], commit["finished_at"] = pl.Duration, hookTimePtr(pl.FinishedAt)
	}
	if c != nil {
		commit["message"], commit["author_name"], commit["author_email"] = c.Message, c.AuthorName, c.AuthorEmail
	}
	failure := "unknown_failure"
	if j.FailureReason != "" && final {
		failure = j.FailureReason
	}
	var started, finished, duration any
	if status != "pending" {
		started = j.StartedAt
	}
	if final {
		finished, duration = j.FinishedAt, j.Duration
	}
	iso := func(t any) any {
		if tp, ok := t.(*time.Time); ok && tp != nil {
			return tp.UTC().Format(time.RFC3339)
		}
		return nil
	}
	hook := func(t any) any {
		if tp, ok := t.(*time.Time); ok {
			return hookTimePtr(tp)
		}
		return nil
	}
	s.dispatch(p, "Job Hook", map[string]any{
		"object_kind": "build", "ref": j.Ref, "tag": false, "before_sha": pl.BeforeSHA, "sha": j.sha,
		"retries_count": 0, "build_id": j.ID, "build_name": j.Name, "build_stage": j.Stage,
		"build_status": status, "build_created_at": hookTime(j.CreatedAt), "build_created_at_iso": j.CreatedAt.Format(time.RFC3339),
		"build_started_at": hook(started), "build_started_at_iso": iso(started),
		"build_finished_at": hook(finished), "build_finished_at_iso": iso(finished),
		"build_duration": duration, "build_queued_duration": j.QueuedDuration,
		"build_allow_failure": j.AllowFailure, "build_failure_reason": failure,
		"pipeline_id": pl.ID, "project_id": p.ID, "project_name": p.NameWithNamespace,
		"user": s.hookUser(u), "commit": commit, "repository": s.hookRepository(p),
		"project": s.hookProject(p), "environment": nil,
		"runner": map[string]any{"id": j.Runner.ID, "description": j.Runner.Description, "runner_type": j.Runner.RunnerType, "active": true, "is_shared": true, "tags": []string{}},
	})
}
