package bot

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"gitlab.com/vigil-vm/vigil/bot/ingest"
	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
)

// Every case that used to pass in silence now leaves a warn log line, a
// counter by reason and a record GET /api/ingests shows.
func TestSkippedIngestsAreLoggedCountedAndListed(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	logs := &lockedBuffer{}
	w.logs = logs
	w.start(nil)
	cs := realGitLabReport(t, "gcs-14-trivy-with-language.json")
	expired := w.clock.Now()
	hidden := w.gl.AddProject(gitlabdouble.ProjectSpec{Path: "secret/app"})
	w.gl.Grant(w.token, "secret/app", gitlabdouble.NoAccess)
	w.gl.AddHook(hidden.ID, gitlabdouble.HookSpec{URL: w.hookURL, Token: secret, Events: []string{"job_events", "pipeline_events"}})

	report := func(name string, data []byte) gitlabdouble.JobSpec {
		return gitlabdouble.JobSpec{Name: name, Artifacts: map[string][]byte{"gl-container-scanning-report.json": data},
			Reports: map[string]string{"container_scanning": "gl-container-scanning-report.json"}}
	}
	cases := []struct {
		reason  ingest.Reason
		project int
		spec    gitlabdouble.PipelineSpec
	}{
		{ingest.NotScanJob, w.project.ID, gitlabdouble.PipelineSpec{Jobs: []gitlabdouble.JobSpec{{Name: "gemnasium-python-dependency_scanning"}}}},
		{ingest.ArtifactsExpired, w.project.ID, gitlabdouble.PipelineSpec{Jobs: []gitlabdouble.JobSpec{func() gitlabdouble.JobSpec {
			j := report("container_scanning", cs)
			j.ArtifactsExpireAt = &expired
			return j
		}()}}},
		{ingest.ReportRejected, w.project.ID, gitlabdouble.PipelineSpec{Jobs: []gitlabdouble.JobSpec{
			report("container_scanning", realGitLabReport(t, "retirejs-gemnasium-2.1.json"))}}},
		{ingest.ProjectNotVisible, hidden.ID, gitlabdouble.PipelineSpec{Jobs: []gitlabdouble.JobSpec{report("container_scanning", cs)}}},
		{ingest.RefNotTracked, w.project.ID, gitlabdouble.PipelineSpec{Ref: "v1.0", Jobs: []gitlabdouble.JobSpec{report("container_scanning", cs)}}},
		{ingest.JobFailed, w.project.ID, gitlabdouble.PipelineSpec{Jobs: []gitlabdouble.JobSpec{
			{Name: "container_scanning", Status: "failed", AllowFailure: true}}}},
		{ingest.NoVulnerabilityReport, w.project.ID, gitlabdouble.PipelineSpec{Jobs: []gitlabdouble.JobSpec{{Name: "dependency-scanning",
			Artifacts: map[string][]byte{"gl-sbom-maven-maven.cdx.json": []byte(`{"bomFormat":"CycloneDX"}`)},
			Reports:   map[string]string{"cyclonedx": "gl-sbom-maven-maven.cdx.json"}}}}},
	}
	for _, tc := range cases {
		w.gl.FinishPipeline(tc.project, tc.spec)
		w.settle()
	}
	metrics, out := w.metrics(), logs.String()
	for _, tc := range cases {
		t.Run(string(tc.reason), func(t *testing.T) {
			var got []ingestView
			for _, in := range w.ingests(fmt.Sprintf("project=%d", tc.project)) {
				if in.Reason == string(tc.reason) {
					got = append(got, in)
				}
			}
			if len(got) != 1 || got[0].JobID == 0 || got[0].PipelineID == 0 || got[0].JobName == "" || got[0].Detail == "" {
				t.Errorf("GET /api/ingests has %+v for %s", got, tc.reason)
			}
			if !strings.Contains(metrics, fmt.Sprintf(`vigil_bot_ingests_skipped_total{reason=%q} 1`, tc.reason)) {
				t.Errorf("no counter for %s:\n%s", tc.reason, grep(metrics, "ingests_skipped"))
			}
			if !hasWarn(out, string(tc.reason)) {
				t.Errorf("no warn log line with reason %s", tc.reason)
			}
		})
	}
	if n := len(w.gl.Issues(w.project.ID)); n != 0 {
		t.Errorf("skipped jobs opened %d issues", n)
	}
	if rej := w.ingests("project=1&status=rejected"); len(rej) != 1 || !strings.Contains(rej[0].Detail, "gemnasium from version 3") {
		t.Errorf("rejected ingest = %+v, want the analyzer versions that write a supported schema", rej)
	}
}

// vigil's gate fails the scan job after writing complete reports: those
// findings are exactly the ones that must become issues.
func TestFailedGateJobIsIngested(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	w.start(nil)
	w.gl.FinishPipeline(w.project.ID, gitlabdouble.PipelineSpec{Jobs: []gitlabdouble.JobSpec{
		{Name: "vigil-scan", Status: "failed", AllowFailure: true,
			Artifacts: map[string][]byte{"vigil-findings.json": mustJSON(t, report("sha256:aaaa", xText, zlib))}},
	}})
	w.settle()
	if n := len(openIssues(w)); n != 2 {
		t.Fatalf("%d issues from a failed gate, want 2: %q", n, titles(w.gl.Issues(w.project.ID)))
	}
	if got := w.ingests("project=1"); len(got) != 1 || got[0].Status != "complete" || got[0].Findings != 2 {
		t.Errorf("ingests = %+v", got)
	}
}

// hasWarn reports whether a JSON log holds a warn line with that reason.
func hasWarn(logs, reason string) bool {
	for _, l := range strings.Split(logs, "\n") {
		var rec struct {
			Level  string `json:"level"`
			Reason string `json:"reason"`
			Job    string `json:"job"`
		}
		if json.Unmarshal([]byte(l), &rec) == nil && rec.Level == "WARN" && rec.Reason == reason && rec.Job != "" {
			return true
		}
	}
	return false
}

// Every scanner job name of GitLab's CI templates is read with the default
// settings: what makes a scan is the report, and the names are the ones
// users have in their pipelines.
func TestTemplateScannerJobNamesAreIngested(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	w.start(nil)
	cs := realGitLabReport(t, "gcs-14-trivy-with-language.json")
	ds := realGitLabReport(t, "sonatype-15-maven.json")
	for _, name := range ingest.TemplateJobNames {
		kind, data := "container_scanning", cs
		if strings.Contains(name, "dependency") {
			kind, data = "dependency_scanning", ds
		}
		w.glScan("", name, kind, data)
		var complete bool
		for _, in := range w.ingests("project=1&status=complete") {
			complete = complete || in.JobName == name
		}
		if !complete {
			t.Errorf("job %q was not ingested: %+v", name, w.ingests("project=1"))
		}
	}
	if n := len(openIssues(w)); n != 29 { // 1 container finding + 28 dependency findings, each once
		t.Errorf("%d open issues, want 29", n)
	}
}

// A dependency report whose set of manifests changes keeps one finding per
// package and vulnerability, and closes the ones fixed.
func TestDependencyManifestsChangingMakeNoDuplicates(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	w.start(nil)
	ds := realGitLabReport(t, "sonatype-15-maven.json")
	w.glScan("", "gemnasium-maven-dependency_scanning", "dependency_scanning", ds)
	if n := len(openIssues(w)); n != 28 {
		t.Fatalf("%d issues, want 28", n)
	}
	moved := withVulnerabilities(t, ds, func(vs []any) []any {
		var out []any
		for i, v := range vs[3:] { // the first three are fixed
			if i%2 == 0 { // half move to a new module, and the first also stays in the old one
				c := clone(t, v)
				c["location"].(map[string]any)["file"] = "service/pom.xml"
				out = append(out, c)
				if i > 0 {
					continue
				}
			}
			out = append(out, v)
		}
		return out
	})
	w.glScan("", "gemnasium-maven-dependency_scanning", "dependency_scanning", moved)
	all, open := w.gl.Issues(w.project.ID), openIssues(w)
	if len(all) != 28 || len(open) != 25 {
		t.Fatalf("%d issues (%d open), want 28 (25 open): %q", len(all), len(open), titles(all))
	}
	var rows, openRows int
	w.bot.db.QueryRow(`SELECT COUNT(*) FROM vigil_findings`).Scan(&rows)
	w.bot.db.QueryRow(`SELECT COUNT(*) FROM vigil_findings WHERE status = 'open'`).Scan(&openRows)
	if rows != 28 || openRows != 25 {
		t.Errorf("ledger holds %d findings (%d open), want 28 (25)", rows, openRows)
	}
	for _, is := range open {
		if table := affectedImages(is.Description); strings.Count(table, "\n") != 0 {
			t.Errorf("%q lists its finding twice:\n%s", is.Title, table)
		}
	}
	// The finding now in both modules is one row with both locations.
	var both, inService int
	w.bot.db.QueryRow(`SELECT COUNT(*) FROM vigil_findings WHERE status = 'open' AND data LIKE '%"path":"pom.xml"%' AND data LIKE '%"path":"service/pom.xml"%'`).Scan(&both)
	w.bot.db.QueryRow(`SELECT COUNT(*) FROM vigil_findings WHERE status = 'open' AND data LIKE '%"path":"service/pom.xml"%'`).Scan(&inService)
	if both != 1 || inService != 13 {
		t.Errorf("%d findings in both manifests (want 1), %d in service/pom.xml (want 13)", both, inService)
	}
}

func clone(t *testing.T, v any) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal(mustJSON(t, v), &out); err != nil {
		t.Fatal(err)
	}
	return out
}
