package bot

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"gitlab.com/vigil-vm/vigil/bot/ingest"
	"gitlab.com/vigil-vm/vigil/bot/ledger"
)

// scanJob is one finished job as the webhooks and the Jobs API describe it.
type scanJob struct {
	ProjectID     int64
	ProjectPath   string
	DefaultBranch string
	PipelineID    int64
	JobID         int64
	JobName       string
	Ref           string
	// Failed is set for a job that did not succeed: its reports count when
	// they are there and valid (vigil's gate fails the job after writing
	// complete reports), otherwise the failure is the reason.
	Failed bool
}

// outcome turns the error of an ingest into its record. Skips and
// rejections are final: they are logged at warn, counted by reason and kept
// for GET /api/ingests; a skip then ends the delivery, a rejection fails it.
// Any other error is returned for a retry.
func (s *Service) outcome(ctx context.Context, j scanJob, err error) error {
	reason := ingest.ReasonOf(err)
	if reason == "" {
		return err
	}
	key := fmt.Sprintf("%d/%d", j.ProjectID, j.JobID)
	if j.JobID == 0 { // the pipeline could not be read at all
		key = fmt.Sprintf("%d/pipeline/%d", j.ProjectID, j.PipelineID)
	}
	in := ledger.Ingest{
		Key: key, ProjectID: j.ProjectID, PipelineID: j.PipelineID,
		JobID: j.JobID, JobName: j.JobName, Ref: j.Ref, Status: ledger.IngestSkipped, Reason: string(reason),
		Error: err.Error(), At: s.now(),
	}
	var rejected *ingest.RejectedError
	if errors.As(err, &rejected) {
		in.Status, in.Artifact = ledger.IngestRejected, rejected.Artifact
	}
	if err := s.noteOutcome(ctx, in); err != nil {
		return err
	}
	if in.Status == ledger.IngestRejected {
		return err
	}
	return nil
}

// noteOutcome logs, counts and records an outcome once: the Job Hook and the
// Pipeline Hook of one pipeline, and retries, may reach the same verdict.
// The caller holds the project's lock, so two workers cannot both see none.
func (s *Service) noteOutcome(ctx context.Context, in ledger.Ingest) error {
	status, reason, err := s.ledger.IngestOutcome(ctx, in.Key)
	if err != nil {
		return err
	}
	if status == in.Status && reason == in.Reason {
		return nil
	}
	s.metrics.ingestSkips.WithLabelValues(in.Reason).Inc()
	s.log.Warn("scan job not recorded", "reason", in.Reason, "project_id", in.ProjectID,
		"pipeline_id", in.PipelineID, "job_id", in.JobID, "job", in.JobName, "ref", in.Ref, "detail", in.Error)
	return s.ledger.PutIngest(ctx, s.ledger.DB(), in)
}

// ingestView is one ingest as GET /api/ingests shows it.
type ingestView struct {
	ProjectID  int64  `json:"project_id"`
	PipelineID int64  `json:"pipeline_id"`
	JobID      int64  `json:"job_id"`
	JobName    string `json:"job_name"`
	Ref        string `json:"ref"`
	Artifact   string `json:"artifact,omitempty"`
	Asset      string `json:"asset,omitempty"` // the image, or the project for a dependency scan
	Status     string `json:"status"`
	Reason     string `json:"reason,omitempty"`
	Detail     string `json:"detail,omitempty"`
	Findings   int    `json:"findings"`
	At         string `json:"at"`
}

// apiAllowed checks the bearer token VIGIL_API_TOKEN names. Without one
// configured the API is off: it says which projects exist and what runs
// where, which is no stranger's business.
func (s *Service) apiAllowed(r *http.Request) bool {
	if s.cfg.APIToken == "" {
		return false
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.APIToken)) == 1
}

// serveIngests is GET /api/ingests?project=ID[&status=skipped][&limit=N]:
// what became of each scan job, newest first, so a team can see why its
// project has no issues. It lists job ids, names and reasons, never report
// content.
func (s *Service) serveIngests(w http.ResponseWriter, r *http.Request) {
	var f ledger.IngestFilter
	q := r.URL.Query()
	for name, dst := range map[string]*int64{"project": &f.ProjectID} {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				http.Error(w, name+" must be a project id", http.StatusBadRequest)
				return
			}
			*dst = n
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > 1000 {
			http.Error(w, "limit must be between 1 and 1000", http.StatusBadRequest)
			return
		}
		f.Limit = n
	}
	f.Status = q.Get("status")
	ins, err := s.ledger.Ingests(r.Context(), f)
	if err != nil {
		http.Error(w, "ledger unavailable", http.StatusServiceUnavailable)
		return
	}
	out := make([]ingestView, 0, len(ins))
	for _, in := range ins {
		out = append(out, ingestView{ProjectID: in.ProjectID, PipelineID: in.PipelineID, JobID: in.JobID, JobName: in.JobName,
			Ref: in.Ref, Artifact: in.Artifact, Asset: in.Asset, Status: in.Status, Reason: in.Reason, Detail: in.Error, Findings: in.Findings,
			At: in.At.UTC().Format("2006-01-02T15:04:05Z")})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ingests": out})
}
