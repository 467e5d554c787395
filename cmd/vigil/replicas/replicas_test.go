package replicas

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
	"gitlab.com/vigil-vm/vigil/internal/postgres"
)

// Three replicas on one PostgreSQL take 2,000 deliveries (a third of them
// redeliveries) through a round-robin balancer while one of them is
// SIGKILLed: every accepted delivery is processed once, each finding group
// has one issue, each fix one merge request, and the SLA sweep runs once
// per period cluster-wide.
func TestReplicasShareOneTruth(t *testing.T) {
	if testing.Short() {
		t.Skip("builds vigil and runs three replicas")
	}
	const (
		projects  = 10
		pipelines = 445 // three deliveries each: 1,335, and 667 redelivered
		period    = 2 * time.Second
		patched   = 2 // projects with a go.mod the x/text fix applies to
	)
	c := newCluster(t, 3, "--workers", "4", "--poll-interval", "50ms", "--sweep-interval", period.String(),
		"--job-timeout", "20s", "--job-budget", "20s", "--shutdown-timeout", "5s")
	started := time.Now()
	db, err := postgres.Open(context.Background(), c.database)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var sweepsBeforeKill int64
	var ps []gitlabdouble.Project
	for i := range projects {
		var files map[string][]byte
		if i < patched {
			files = goModule
		}
		ps = append(ps, c.project(fmt.Sprintf("group/app%d", i), files))
	}
	for i := range pipelines {
		p := ps[i%projects]
		c.scan(p, report(p.PathWithNamespace, fmt.Sprintf("sha256:%064d", i/projects), xText, xNet, zlib))
		if i == pipelines/2 {
			c.kill(0) // mid-stream, with jobs running and deliveries in flight
			sweepsBeforeKill = lastSweep(t, db)
		}
		time.Sleep(5 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := c.gl.WaitDeliveries(ctx); err != nil {
		t.Fatal(err)
	}
	originals := c.gl.Deliveries()
	for i, d := range originals {
		if i%2 == 0 {
			c.gl.Redeliver(d)
			time.Sleep(time.Millisecond)
		}
	}
	if err := c.gl.WaitDeliveries(ctx); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, db, 90*time.Second)

	all := c.gl.Deliveries()
	accepted := map[string]bool{}
	for _, d := range all {
		if !d.Delivered {
			t.Errorf("delivery %d (%s) never acknowledged: %+v", d.ID, d.Event, d.Attempts)
		}
		accepted[d.IdempotencyKey] = true
	}
	t.Logf("%d deliveries (%d distinct) in %v; %d retried after a failed attempt", len(all), len(accepted), time.Since(started).Round(time.Millisecond), retried(all))
	if len(all) < 2000 {
		t.Errorf("only %d deliveries sent", len(all))
	}
	checkProcessedOnce(t, db, accepted)
	for _, p := range ps {
		var titles []string
		for _, is := range c.gl.Issues(p.ID) {
			titles = append(titles, is.Title)
		}
		slices.Sort(titles)
		if len(titles) != 3 || len(slices.Compact(slices.Clone(titles))) != 3 {
			t.Errorf("%s has issues %q, want one per finding group (3)", p.PathWithNamespace, titles)
		}
	}
	for i, p := range ps {
		var branches []string
		for _, m := range c.gl.MergeRequests(p.ID) {
			branches = append(branches, m.SourceBranch)
		}
		want := 0
		if i < patched {
			want = 1
		}
		if len(branches) != want || (want == 1 && !strings.HasPrefix(branches[0], "vigil/gomod/golang.org/x/text")) {
			t.Errorf("%s has merge requests from %q, want %d for the x/text fix", p.PathWithNamespace, branches, want)
		}
	}
	// A sweep scheduled after the kill ran: if the killed replica led, the
	// others elected a new leader (after River's leader TTL) that goes on.
	waitSweepAfter(t, db, sweepsBeforeKill, time.Minute)
	checkSweeps(t, db, period, time.Since(started))
}

// lastSweep is the id of the newest SLA sweep job, 0 if none.
func lastSweep(t *testing.T, db *sql.DB) int64 {
	t.Helper()
	var id int64
	if err := db.QueryRow(`SELECT COALESCE(MAX(id), 0) FROM river_job WHERE kind = 'vigil_sla_sweep'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// waitSweepAfter waits for two SLA sweeps newer than job id after to complete.
func waitSweepAfter(t *testing.T, db *sql.DB, after int64, limit time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(limit); ; time.Sleep(200 * time.Millisecond) {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'vigil_sla_sweep' AND id > $1 AND state = 'completed'`, after).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n >= 2 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d SLA sweeps completed in the %v after a replica was killed, want 2", n, limit)
		}
	}
}

// goModule is a project the x/text finding's fix applies to.
var goModule = map[string][]byte{
	"go.mod":  []byte("module example.com/app\n\ngo 1.22\n\nrequire golang.org/x/text v0.3.5\n"),
	"main.go": []byte("package main\n\nimport \"golang.org/x/text/language\"\n\nfunc main() { _, _, _ = language.ParseAcceptLanguage(\"en\") }\n"),
}

func retried(ds []gitlabdouble.Delivery) int {
	n := 0
	for _, d := range ds {
		if len(d.Attempts) > 1 {
			n++
		}
	}
	return n
}

// checkProcessedOnce: the ledger holds each accepted delivery once,
// processed, and River ran one job for it, to completion.
func checkProcessedOnce(t *testing.T, db *sql.DB, accepted map[string]bool) {
	t.Helper()
	rows, err := db.Query(`SELECT d.dedup_key, d.status, COUNT(j.id), COALESCE(bool_and(j.state = 'completed'), false), COALESCE(MAX(j.attempt), 0)
		FROM vigil_deliveries d LEFT JOIN river_job j ON j.kind = 'vigil_delivery' AND j.args->>'key' = d.dedup_key
		GROUP BY d.dedup_key, d.status`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen, rescued := 0, 0
	for rows.Next() {
		var key, status string
		var jobs, attempt int
		var completed bool
		if err := rows.Scan(&key, &status, &jobs, &completed, &attempt); err != nil {
			t.Fatal(err)
		}
		seen++
		if !accepted[key] {
			t.Errorf("the ledger holds delivery %s, which GitLab never sent", key)
		}
		if status != "processed" || jobs != 1 || !completed {
			t.Errorf("delivery %s: status %s, %d jobs, completed %v; want processed by one completed job", key, status, jobs, completed)
		}
		if attempt > 1 {
			rescued++
		}
	}
	if seen != len(accepted) {
		t.Errorf("the ledger holds %d deliveries, %d were accepted", seen, len(accepted))
	}
	t.Logf("%d deliveries processed once each; %d of them on a second attempt (rescued from the killed replica or retried)", seen, rescued)
}

// checkSweeps: the periodic SLA sweep ran, and no more often than once per
// period, with three replicas (and a leader killed) scheduling it.
func checkSweeps(t *testing.T, db *sql.DB, period, elapsed time.Duration) {
	t.Helper()
	var n, done int
	if err := db.QueryRow(`SELECT COUNT(*), COUNT(*) FILTER (WHERE state = 'completed') FROM river_job WHERE kind = 'vigil_sla_sweep'`).Scan(&n, &done); err != nil {
		t.Fatal(err)
	}
	periods := int(elapsed/period) + 1
	t.Logf("%d SLA sweeps (%d completed) in %d periods of %v", n, done, periods, period)
	if done < 2 || n > periods {
		t.Errorf("%d SLA sweeps (%d completed) in %d periods; want at most one a period", n, done, periods)
	}
}
