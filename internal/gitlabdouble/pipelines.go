package gitlabdouble

import (
	"cmp"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Pipeline is a pipeline as GET /projects/:id/pipelines/:pipeline_id shows it.
type Pipeline struct {
	ID             int            `json:"id"`
	IID            int            `json:"iid"`
	ProjectID      int            `json:"project_id"`
	SHA            string         `json:"sha"`
	Ref            string         `json:"ref"`
	Status         string         `json:"status"`
	Source         string         `json:"source"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
	WebURL         string         `json:"web_url"`
	BeforeSHA      string         `json:"before_sha"`
	Tag            bool           `json:"tag"`
	YamlErrors     *string        `json:"yaml_errors"`
	User           User           `json:"user"`
	StartedAt      *time.Time     `json:"started_at"`
	FinishedAt     *time.Time     `json:"finished_at"`
	CommittedAt    *time.Time     `json:"committed_at"`
	Duration       *int           `json:"duration"`
	QueuedDuration *int           `json:"queued_duration"`
	Coverage       *string        `json:"coverage"`
	DetailedStatus DetailedStatus `json:"detailed_status"`
	Name           *string        `json:"name"`
}

// DetailedStatus is the presentation block GitLab attaches to pipelines.
type DetailedStatus struct {
	Icon         string  `json:"icon"`
	Text         string  `json:"text"`
	Label        string  `json:"label"`
	Group        string  `json:"group"`
	Tooltip      string  `json:"tooltip"`
	HasDetails   bool    `json:"has_details"`
	DetailsPath  string  `json:"details_path"`
	Illustration *string `json:"illustration"`
	Favicon      string  `json:"favicon"`
}

// PipelineSpec describes a pipeline that ran to the end.
type PipelineSpec struct {
	Ref string // branch; the default branch when empty
	SHA string // the branch head when empty
	// Status is the pipeline's final status; when empty it is "failed" if a
	// job failed without allow_failure, else "success".
	Status string
	Source string // "push" when empty
	User   string // username of whoever triggered it; the first user when empty
	Jobs   []JobSpec
}

// JobSpec describes one finished job of a pipeline.
type JobSpec struct {
	Name         string
	Stage        string // "test" when empty
	Status       string // "success" when empty
	AllowFailure bool
	// Artifacts are the files of the job's artifacts archive, by path.
	Artifacts map[string][]byte
	// Reports maps a report type ("container_scanning", "dependency_scanning",
	// "cyclonedx", …) to the artifact path holding it, listed in the job's
	// artifacts the way GitLab lists artifacts:reports.
	Reports map[string]string
	// ArtifactsExpireAt, when set, makes the artifacts unavailable afterwards.
	ArtifactsExpireAt *time.Time
	Duration          time.Duration
}

func detailedStatus(status, path string) DetailedStatus {
	label := map[string]string{"success": "passed", "failed": "failed", "canceled": "canceled", "skipped": "skipped", "running": "running", "pending": "pending", "manual": "manual action"}[status]
	label = cmp.Or(label, status)
	return DetailedStatus{
		Icon: "status_" + status, Text: strings.ToUpper(label[:1]) + label[1:], Label: label, Group: status,
		Tooltip: label, HasDetails: true, DetailsPath: path, Favicon: "/assets/ci_favicons/favicon_status_" + status + ".png",
	}
}

// FinishPipeline records a finished pipeline with its jobs and sends a Job
// Hook per job and then a Pipeline Hook, as GitLab does when a pipeline
// ends. A successful pipeline merges merge requests set to merge when the
// pipeline succeeds on that branch.
func (s *Server) FinishPipeline(projectID int, spec PipelineSpec) (Pipeline, []Job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustProject(projectID)
	spec.Ref = cmp.Or(spec.Ref, p.DefaultBranch)
	spec.Source = cmp.Or(spec.Source, "push")
	if spec.SHA == "" {
		spec.SHA = p.repo.branches[spec.Ref]
	}
	if spec.Status == "" {
		spec.Status = "success"
		for _, j := range spec.Jobs {
			if cmp.Or(j.Status, "success") == "failed" && !j.AllowFailure {
				spec.Status = "failed"
			}
		}
	}
	user := s.pipelineUser(spec.User)
	now := s.now()
	var total time.Duration
	for _, j := range spec.Jobs {
		total += j.Duration
	}
	started := now.Add(-total)
	dur := int(total.Seconds())
	queued := 1
	pl := &Pipeline{
		ID: s.ids.next(&s.ids.pipeline), IID: len(p.pipelines) + 1, ProjectID: p.ID, SHA: spec.SHA, Ref: spec.Ref,
		Status: spec.Status, Source: spec.Source, CreatedAt: started, UpdatedAt: now, BeforeSHA: strings.Repeat("0", 40),
		User: s.basic(user), StartedAt: &started, FinishedAt: &now, Duration: &dur, QueuedDuration: &queued,
	}
	pl.WebURL = s.baseURL + "/" + p.PathWithNamespace + "/-/pipelines/" + strconv.Itoa(pl.ID)
	pl.DetailedStatus = detailedStatus(pl.Status, "/"+p.PathWithNamespace+"/-/pipelines/"+strconv.Itoa(pl.ID))
	p.pipelines = append(p.pipelines, pl)

	var jobs []*jobState
	at := started
	for _, js := range spec.Jobs {
		j := s.newJob(p, pl, user, js, at)
		at = at.Add(js.Duration)
		jobs = append(jobs, j)
	}
	p.LastActivityAt = now
	if s.lifecycleHooks {
		s.pipelineEvent(p, pl, jobs, user, "pending")
		for _, j := range jobs {
			s.jobEvent(p, pl, j, user, "pending")
			s.jobEvent(p, pl, j, user, "running")
		}
		s.pipelineEvent(p, pl, jobs, user, "running")
	}
	for _, j := range jobs {
		s.jobEvent(p, pl, j, user, j.Status)
	}
	s.pipelineEvent(p, pl, jobs, user, pl.Status)
	if pl.Status == "success" {
		s.mergeWhenPipelineSucceeds(p, pl)
	}
	views := make([]Job, 0, len(jobs))
	for _, j := range jobs {
		views = append(views, s.jobView(p, j))
	}
	return *pl, views
}

func (s *Server) pipelineUser(username string) *userState {
	if username != "" {
		return s.mustUser(username)
	}
	for id := 1; id <= s.ids.user; id++ {
		if u, ok := s.users[id]; ok {
			return u
		}
	}
	id := s.ids.next(&s.ids.user)
	s.users[id] = &userState{User: User{ID: id, Username: "root", Name: "Administrator", State: "active"}, email: "admin@example.com"}
	return s.users[id]
}

// Pipelines returns the project's pipelines, oldest first.
func (s *Server) Pipelines(projectID int) []Pipeline {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Pipeline
	for _, pl := range s.mustProject(projectID).pipelines {
		out = append(out, *pl)
	}
	return out
}

func (p *projectState) pipeline(id int) *Pipeline {
	for _, pl := range p.pipelines {
		if pl.ID == id {
			return pl
		}
	}
	return nil
}

func (s *Server) pipelineRoutes() {
	s.route("GET /projects/:id/pipelines/:pipeline_id", func(r *request) {
		if _, pl, ok := r.pipeline(); ok {
			r.json(http.StatusOK, *pl)
		}
	})
	s.route("GET /projects/:id/pipelines", func(r *request) {
		p, ok := r.codeProject()
		if !ok {
			return
		}
		var out []Pipeline
		for k := len(p.pipelines) - 1; k >= 0; k-- {
			pl := p.pipelines[k]
			if ref := r.params.get("ref"); ref != "" && pl.Ref != ref {
				continue
			}
			if sha := r.params.get("sha"); sha != "" && pl.SHA != sha {
				continue
			}
			if st := r.params.get("status"); st != "" && pl.Status != st {
				continue
			}
			out = append(out, *pl)
		}
		r.json(http.StatusOK, paginate(r, nonNil(out)))
	})
	s.route("GET /projects/:id/pipelines/:pipeline_id/jobs", func(r *request) {
		p, pl, ok := r.pipeline()
		if !ok {
			return
		}
		scope, _ := r.params.list("scope")
		var out []Job
		for k := len(p.jobs) - 1; k >= 0; k-- {
			j := p.jobs[k]
			if j.pipelineID != pl.ID || (len(scope) > 0 && !containsString(scope, j.Status)) {
				continue
			}
			out = append(out, s.jobView(p, j))
		}
		r.json(http.StatusOK, paginate(r, nonNil(out)))
	})
}

func (r *request) pipeline() (*projectState, *Pipeline, bool) {
	p, ok := r.codeProject()
	if !ok {
		return nil, nil, false
	}
	id, ok := r.intPath("pipeline_id", "")
	if !ok {
		return nil, nil, false
	}
	pl := p.pipeline(id)
	if pl == nil {
		r.fail(http.StatusNotFound, "404 Not found")
		return nil, nil, false
	}
	return p, pl, true
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// pipelineEvent sends a Pipeline Hook for pl as it was when it had status
// (its final status, or "pending"/"running" for lifecycle hooks). The
// caller holds s.mu.
func (s *Server) pipelineEvent(p *projectState, pl *Pipeline, jobs []*jobState, u *userState, status string) {
	final := status == pl.Status
	var stages []string
	builds := []map[string]any{}
	for _, j := range jobs {
		if !containsString(stages, j.Stage) {
			stages = append(stages, j.Stage)
		}
		var failure any
		if j.FailureReason != "" {
			failure = j.FailureReason
		}
		art := map[string]any{"filename": nil, "size": nil}
		jobStatus, started, finished, duration := j.Status, hookTimePtr(j.StartedAt), hookTimePtr(j.FinishedAt), any(j.Duration)
		if final && j.archive != nil {
			art = map[string]any{"filename": "artifacts.zip", "size": len(j.archive)}
		}
		if !final {
			jobStatus, finished, duration, failure = status, nil, nil, nil
			if status == "pending" {
				jobStatus, started = "created", nil
			}
		}
		builds = append(builds, map[string]any{
			"id": j.ID, "stage": j.Stage, "name": j.Name, "status": jobStatus,
			"created_at": hookTime(j.CreatedAt), "started_at": started, "finished_at": finished,
			"duration": duration, "queued_duration": j.QueuedDuration, "failure_reason": failure,
			"when": "on_success", "manual": false, "allow_failure": j.AllowFailure, "user": s.hookUser(u),
			"runner":         map[string]any{"id": j.Runner.ID, "description": j.Runner.Description, "runner_type": j.Runner.RunnerType, "active": true, "is_shared": true, "tags": []string{}},
			"artifacts_file": art, "environment": nil,
		})
	}
	commit := map[string]any{"id": pl.SHA, "message": "", "title": "", "timestamp": nil, "url": s.baseURL + "/" + p.PathWithNamespace + "/-/commit/" + pl.SHA, "author": map[string]any{"name": "", "email": ""}}
	if c := p.repo.commits[pl.SHA]; c != nil {
		commit["message"], commit["title"], commit["timestamp"] = c.Message, c.Title, c.CreatedAt.Format(time.RFC3339)
		commit["author"] = map[string]any{"name": c.AuthorName, "email": c.AuthorEmail}
	}
	attrs := map[string]any{
		"id": pl.ID, "iid": pl.IID, "name": nil, "ref": pl.Ref, "tag": false, "sha": pl.SHA, "before_sha": pl.BeforeSHA,
		"source": pl.Source, "status": status, "detailed_status": detailedStatus(status, "").Label, "stages": nonNil(stages),
		"created_at": hookTime(pl.CreatedAt), "finished_at": hookTimePtr(pl.FinishedAt), "duration": pl.Duration,
		"queued_duration": pl.QueuedDuration, "variables": []any{}, "url": pl.WebURL, "protected_ref": pl.Ref == p.DefaultBranch,
	}
	if !final {
		attrs["finished_at"], attrs["duration"] = nil, nil
	}
	payload := map[string]any{
		"object_kind":       "pipeline",
		"object_attributes": attrs,
		"merge_request":     nil, "user": s.hookUser(u), "project": s.hookProject(p), "commit": commit,
		"builds": builds, "source_pipeline": nil,
	}
	for _, m := range p.mrs {
		if m.State == "opened" && m.SourceBranch == pl.Ref && pl.Source == "merge_request_event" {
			payload["merge_request"] = map[string]any{"id": m.ID, "iid": m.IID, "title": m.Title, "source_branch": m.SourceBranch, "target_branch": m.TargetBranch, "state": m.State, "url": s.mrWebURL(p, m)}
		}
	}
	s.dispatch(p, "Pipeline Hook", payload)
}
