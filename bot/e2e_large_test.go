package bot

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/webhook"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// A large report is worked in one attempt: no delivery is retried and
// each finding gets its issue, although the job's starting budget (a
// second) is far shorter than the work (6 s for the default 600
// findings on an idle machine): the budget grows with the artifact's
// size, its findings and the groups to write.
// VIGIL_LARGE_FINDINGS=10000 runs the size of the issue (about 3.5 min
// here); the default keeps the package fast.
func TestLargeReportInOneAttempt(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	n := 600
	if v, err := strconv.Atoi(os.Getenv("VIGIL_LARGE_FINDINGS")); err == nil && v > 0 {
		n = v
	}
	w := newWorld(t)
	cfg := w.config()
	cfg.JobBudget = time.Second
	w.start(cfg)
	fs := make([]findings.Finding, n)
	for i := range fs {
		f := medium
		f.Vulnerability.ID = fmt.Sprintf("CVE-2026-%05d", i)
		f.Package.Name = fmt.Sprintf("lib%05d", i)
		fs[i] = f
	}
	start := time.Now()
	w.scanArtifactsWithin(map[string][]byte{"vigil-findings.json": mustJSON(t, report("sha256:aaaa", fs...))}, 15*time.Minute)
	took := time.Since(start)
	t.Logf("%d findings: %d issues in %v", n, len(w.gl.Issues(w.project.ID)), took.Round(time.Millisecond))
	if took < 2*cfg.JobBudget {
		t.Fatalf("the work took %v, not much longer than the starting budget %v: it proves nothing (raise VIGIL_LARGE_FINDINGS)", took, cfg.JobBudget)
	}
	if got := len(w.gl.Issues(w.project.ID)); got != n {
		t.Fatalf("%d issues, want %d", got, n)
	}
	for _, d := range w.gl.Deliveries() {
		if d.Event != "Job Hook" {
			continue
		}
		rec, err := w.bot.ledger.Delivery(t.Context(), webhook.DeliveryKey(d.Header, d.Event, d.Body))
		if err != nil || rec.Status != ledger.DeliveryProcessed {
			t.Errorf("job delivery: %s, %v", rec.Status, err)
		}
	}
	var attempts int
	if err := w.bot.db.QueryRowContext(t.Context(), `SELECT COALESCE(MAX(attempt), 0) FROM river_job WHERE kind = 'vigil_delivery'`).Scan(&attempts); err != nil {
		t.Fatal(err)
	}
	if attempts != 1 {
		var errs string
		_ = w.bot.db.QueryRowContext(t.Context(), `SELECT COALESCE(CAST(errors AS TEXT), '') FROM river_job WHERE kind = 'vigil_delivery' ORDER BY attempt DESC LIMIT 1`).Scan(&errs)
		t.Errorf("a delivery took %d attempts: %s", attempts, errs)
	}
}
