package bot

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Every query of the Grafana dashboard names metrics the bot serves, and
// the read-out gauges carry the ledger's numbers.
func TestGrafanaDashboardQueriesServedMetrics(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.start(nil)
	w.scan(report("sha256:aaaa", xText, zlib))
	w.clock.Add(48 * time.Hour)
	w.scan(report("sha256:bbbb", zlib)) // the text finding fixed after 2 days
	w.bot.readoutCollector.mu.Lock()
	w.bot.readoutCollector.r = nil // recompute now, not after the interval
	w.bot.readoutCollector.mu.Unlock()
	served := w.metrics()
	for _, line := range []string{
		`vigil_bot_findings_fixed{severity="High"} 1`,
		`vigil_bot_mttr_days{severity="High",stat="median"} 2`,
		`vigil_bot_sla_compliance_ratio{severity="High"} 1`,
		`vigil_bot_group_open_findings{group="group"} 1`,
		`vigil_bot_findings_past_due{severity="Critical"} 0`,
	} {
		if !strings.Contains(served, "\n"+line+"\n") {
			t.Errorf("/metrics has no line %s", line)
		}
	}
	names := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^# HELP (\w+) `).FindAllStringSubmatch(served, -1) {
		names[m[1]] = true
	}
	for _, d := range readoutDesc { // gauges that need data (coverage, merges) to show
		names[regexp.MustCompile(`fqName: "(\w+)"`).FindStringSubmatch(d.String())[1]] = true
	}
	for _, n := range []string{"vigil_bot_webhook_deliveries_total"} {
		names[n] = true
	}

	b, err := os.ReadFile("../deploy/grafana/vigil.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("dashboard JSON: %v", err)
	}
	exprs := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			exprs++
			used := regexp.MustCompile(`\bvigil_\w+`).FindAllString(tg.Expr, -1)
			if len(used) == 0 {
				t.Errorf("panel %q: %q names no vigil metric", p.Title, tg.Expr)
			}
			for _, m := range used {
				if !names[m] {
					t.Errorf("panel %q queries %s, which the bot does not serve", p.Title, m)
				}
			}
		}
	}
	if exprs < 10 {
		t.Errorf("the dashboard has %d queries", exprs)
	}
}
