package bot

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
)

// api is a client for setting up what a developer would: branches, merge
// requests.
func (w *world) api() *gitlab.Client {
	w.t.Helper()
	c, err := gitlab.NewClient(w.token, gitlab.WithBaseURL(w.apiURL), gitlab.WithoutRetries())
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

// withVulnerabilities rewrites a real report's vulnerability list.
func withVulnerabilities(t *testing.T, data []byte, edit func([]any) []any) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	doc["vulnerabilities"] = edit(doc["vulnerabilities"].([]any))
	return mustJSON(t, doc)
}

// ingests reads GET /api/ingests as a team would.
func (w *world) ingests(query string) []ingestView {
	w.t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/api/ingests?"+query, nil)
	req.Header.Set("Authorization", "Bearer "+apiToken)
	w.bot.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		w.t.Fatalf("GET /api/ingests?%s = %d %s", query, rec.Code, rec.Body.String())
	}
	var out struct {
		Ingests []ingestView `json:"ingests"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		w.t.Fatal(err)
	}
	return out.Ingests
}

func TestFeatureBranchChangesNoIssueAndMergeRequestGetsOneEditedNote(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	dotnet := realGitLabReport(t, "gcs-14-grype-dotnet.json")
	w := newWorld(t)
	w.start(nil)
	w.glScan("", "container_scanning", "container_scanning", dotnet)
	before := titles(w.gl.Issues(w.project.ID))
	if len(openIssues(w)) != 12 {
		t.Fatalf("default branch scan opened %d issues, want 12", len(openIssues(w)))
	}
	api := w.api()
	if _, _, err := api.Branches.CreateBranch(w.project.ID, &gitlab.CreateBranchOptions{Branch: gitlab.Ptr("feature"), Ref: gitlab.Ptr("main")}); err != nil {
		t.Fatal(err)
	}

	// A branch pipeline whose scan is clean: the default branch's issues stay open.
	w.gl.ResetCalls()
	w.glScan("feature", "container_scanning", "container_scanning", realGitLabReport(t, "gcs-14-trivy-clean.json"))
	if writes := w.gl.Writes(); len(writes) != 0 {
		t.Errorf("a feature-branch pipeline wrote to GitLab:\n%s", writesSummary(writes))
	}
	if got := titles(w.gl.Issues(w.project.ID)); strings.Join(got, "\n") != strings.Join(before, "\n") {
		t.Errorf("issues changed:\n%q\nwant\n%q", got, before)
	}
	skipped := w.ingests("project=1&status=skipped")
	if len(skipped) != 1 || skipped[0].Reason != "ref_not_tracked" || skipped[0].Ref != "feature" || skipped[0].JobName != "container_scanning" {
		t.Errorf("ingests = %+v, want one ref_not_tracked for feature", skipped)
	}

	// A merge request pipeline that fixes two findings and brings one.
	mr, _, err := api.MergeRequests.CreateMergeRequest(w.project.ID, &gitlab.CreateMergeRequestOptions{
		Title: gitlab.Ptr("Bump packages"), SourceBranch: gitlab.Ptr("feature"), TargetBranch: gitlab.Ptr("main")})
	if err != nil {
		t.Fatal(err)
	}
	log4j := realGitLabReport(t, "gcs-14-trivy-with-language.json")
	var other struct {
		Vulnerabilities []any `json:"vulnerabilities"`
	}
	if err := json.Unmarshal(log4j, &other); err != nil {
		t.Fatal(err)
	}
	head := withVulnerabilities(t, dotnet, func(v []any) []any { return append(v[2:], other.Vulnerabilities...) })
	mrScan := func(data []byte) {
		w.gl.FinishPipeline(w.project.ID, gitlabdouble.PipelineSpec{Ref: "feature", Source: "merge_request_event", Jobs: []gitlabdouble.JobSpec{
			{Name: "container_scanning", Artifacts: map[string][]byte{"gl-container-scanning-report.json": data},
				Reports: map[string]string{"container_scanning": "gl-container-scanning-report.json"}},
		}})
		w.settle()
	}
	w.gl.ResetCalls()
	mrScan(head)
	notes := w.gl.MRNotes(w.project.ID, int(mr.IID))
	if len(notes) != 1 || !strings.Contains(notes[0].Body, "**1 introduced**, **2 fixed**") ||
		!strings.Contains(notes[0].Body, "CVE-2021-44228") || !strings.Contains(notes[0].Body, "GHSA-6xh7-4v2w-36q6") {
		t.Fatalf("merge request notes = %+v", notes)
	}
	for _, c := range w.gl.Writes() {
		if !strings.Contains(c.Path, "/merge_requests/") {
			t.Errorf("a merge request pipeline wrote %s %s", c.Method, c.Path)
		}
	}

	// The next pipeline of the merge request edits the same note, even when
	// the pipeline fails.
	w.gl.FinishPipeline(w.project.ID, gitlabdouble.PipelineSpec{Ref: "feature", Source: "merge_request_event", Jobs: []gitlabdouble.JobSpec{
		{Name: "container_scanning", Artifacts: map[string][]byte{"gl-container-scanning-report.json": dotnet},
			Reports: map[string]string{"container_scanning": "gl-container-scanning-report.json"}},
		{Name: "unit-tests", Status: "failed"},
	}})
	w.settle()
	notes = w.gl.MRNotes(w.project.ID, int(mr.IID))
	if len(notes) != 1 || !strings.Contains(notes[0].Body, "**0 introduced**, **0 fixed**, 12 unchanged") {
		t.Fatalf("after the second pipeline: %d notes, %+v", len(notes), notes)
	}
	if got := titles(w.gl.Issues(w.project.ID)); strings.Join(got, "\n") != strings.Join(before, "\n") {
		t.Errorf("merge request pipelines changed issues:\n%q", got)
	}
}
