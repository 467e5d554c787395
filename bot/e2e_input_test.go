package bot

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
)

func deliveryStates(t *testing.T, w *world) map[string]string {
	t.Helper()
	rows, err := w.bot.db.Query(`SELECT status, error FROM vigil_deliveries WHERE event = 'Job Hook'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var st, e string
		rows.Scan(&st, &e)
		out[e] = st
	}
	return out
}

func TestBadReportsAreRejectedWithAReasonAndNothingWritten(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	good := mustJSON(t, report("sha256:aaaa", xText, zlib))
	tests := []struct {
		name    string
		files   map[string][]byte
		reports map[string]string
		limit   int64
		reason  string
	}{
		{name: "malformed", files: map[string][]byte{"vigil-findings.json": []byte(`{"schema":"vigil.findings/v1","findings":[`)}, reason: "not JSON"},
		{name: "schema violation", files: map[string][]byte{"vigil-findings.json": []byte(strings.Replace(string(good), `"High"`, `"Severe"`, 1))}, reason: "does not match"},
		{name: "oversized", files: map[string][]byte{"vigil-findings.json": good}, limit: 512, reason: "exceeds size limit"},
		{name: "good vigil report with a bad gitlab report beside it", files: map[string][]byte{
			"vigil-findings.json": good, "gl-container-scanning-report.json": []byte(`{"version":"15.0.0"`)},
			reports: map[string]string{"container_scanning": "gl-container-scanning-report.json"}, reason: "gl-container-scanning-report.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			cfg := w.config()
			if tt.limit > 0 {
				cfg.MaxArtifactBytes = tt.limit
			}
			w.start(cfg)
			w.gl.ResetCalls()
			w.gl.FinishPipeline(w.project.ID, gitlabdouble.PipelineSpec{Jobs: []gitlabdouble.JobSpec{
				{Name: "vigil-scan", Stage: "test", Artifacts: tt.files, Reports: tt.reports},
			}})
			w.settle()
			if writes := w.gl.Writes(); len(writes) != 0 {
				t.Errorf("bad report caused writes:\n%s", writesSummary(writes))
			}
			var found bool
			for reason, st := range deliveryStates(t, w) {
				if strings.Contains(reason, tt.reason) {
					found = true
					if st != ledger.DeliveryFailed {
						t.Errorf("delivery status %s", st)
					}
				}
			}
			if !found {
				t.Errorf("no delivery records a reason containing %q: %v", tt.reason, deliveryStates(t, w))
			}
			var findingsRows int
			w.bot.db.QueryRow(`SELECT COUNT(*) FROM vigil_findings`).Scan(&findingsRows)
			if findingsRows != 0 {
				t.Errorf("%d findings recorded from a rejected job", findingsRows)
			}
			var rejected int
			w.bot.db.QueryRow(`SELECT COUNT(*) FROM vigil_ingests WHERE status = 'rejected'`).Scan(&rejected)
			if rejected == 0 {
				t.Error("the rejected ingest is not recorded")
			}
		})
	}
}

func TestGitLabContainerScanningReportOpensIssues(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	data, err := os.ReadFile("../internal/glreport/testdata/gl-container-scanning-report.json")
	if err != nil {
		t.Skip("glreport test data not present:", err)
	}
	w := newWorld(t)
	cfg := w.config()
	w.start(cfg)
	w.gl.FinishPipeline(w.project.ID, gitlabdouble.PipelineSpec{Jobs: []gitlabdouble.JobSpec{{
		Name: "container_scanning", Artifacts: map[string][]byte{"gl-container-scanning-report.json": data},
		Reports: map[string]string{"container_scanning": "gl-container-scanning-report.json"},
	}}})
	w.settle()
	issues := w.gl.Issues(w.project.ID)
	if len(issues) == 0 {
		t.Fatal("no issues from GitLab's container scanning report")
	}
	t.Logf("issues: %q", titles(issues))
	for _, is := range issues {
		if !strings.Contains(is.Title, " in ") || !is.Confidential || !hasLabel(is, "security") {
			t.Errorf("issue %q labels %q", is.Title, is.Labels)
		}
	}
}

func TestHealthReadyAndMetrics(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	w.start(nil)
	w.settle()
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		w.bot.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Code, rec.Body.String()
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("/healthz = %d", code)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		code, body := get("/readyz")
		if code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz = %d %s", code, body)
		}
	}
	w.scan(report("sha256:aaaa", xText))
	_, m := get("/metrics")
	for _, want := range []string{
		`vigil_bot_webhook_deliveries_total{event="Job Hook",result="accepted"}`,
		`vigil_bot_gitlab_api_calls_total{endpoint="POST /projects/:id/issues",status="201"} 1`,
		`vigil_bot_gitlab_api_calls_total{endpoint="GET /projects/:id/jobs/:id/artifacts/*",status="200"}`,
		`vigil_bot_open_findings{severity="High"} 1`,
		`vigil_bot_queue_depth 0`,
		`vigil_bot_sla_breaches 0`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s:\n%s", want, grep(m, "vigil_bot_"))
		}
	}
	if strings.Contains(m, w.token) || strings.Contains(m, secret) {
		t.Error("metrics contain a secret")
	}
	w.shutdown()
	if code, _ := get("/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz after shutdown = %d", code)
	}
}
