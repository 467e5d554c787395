package bot

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
	"gitlab.com/vigil-vm/vigil/internal/postgrestest"
)

// A bot on SQLite moves to PostgreSQL: every ledger row arrives as it was,
// the webhook it acknowledged but had not queued is processed by the bot on
// PostgreSQL, a second copy is refused, and the moved bot knows its issues.
func TestMoveDataToPostgres(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	ctx := context.Background()
	w := newWorld(t)
	sqliteCfg := w.config()
	sqliteCfg.Database = ""
	w.start(sqliteCfg)
	w.scan(report("sha256:aaaa", xText, xNet, zlib))
	w.shutdown()

	// A bot that acknowledges a delivery and dies before queueing it.
	dead, err := New(ctx, sqliteCfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.handler.Store(dead.Handler())
	w.gl.FinishPipeline(w.project.ID, gitlabdouble.PipelineSpec{Jobs: []gitlabdouble.JobSpec{
		{Name: "vigil-scan", Artifacts: map[string][]byte{"vigil-findings.json": mustJSON(t, report("sha256:aaaa", xText, xNet, zlib, medium))}},
	}})
	if err := w.gl.WaitDeliveries(ctx); err != nil {
		t.Fatal(err)
	}
	pending, _ := dead.inbox.Count(ctx)
	dead.Close()
	if pending == 0 {
		t.Fatal("the dead bot's inbox is empty")
	}

	url := postgrestest.URL(t)
	m, err := MoveData(ctx, w.data, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Inbox != int64(pending) {
		t.Errorf("copied %d pending deliveries, the inbox held %d", m.Inbox, pending)
	}
	src, dst := openRaw(t, w.data, ""), openRaw(t, "", url)
	for _, tc := range m.Tables {
		a, b := tableRows(t, src, tc.Table), tableRows(t, dst, tc.Table)
		if int64(len(a)) != tc.Rows || !slices.Equal(a, b) {
			t.Errorf("%s: %d rows in SQLite, %d reported, %d in PostgreSQL; equal: %v", tc.Table, len(a), tc.Rows, len(b), slices.Equal(a, b))
		}
	}
	for _, table := range []string{"vigil_findings", "vigil_issues", "vigil_deliveries"} {
		if !slices.ContainsFunc(m.Tables, func(c ledger.TableCount) bool { return c.Table == table && c.Rows > 0 }) {
			t.Errorf("nothing copied of %s: %+v", table, m.Tables)
		}
	}

	if _, err := MoveData(ctx, w.data, url, nil); err == nil || !strings.Contains(err.Error(), "already holds a ledger") {
		t.Errorf("a second copy: %v", err)
	}
	if n := len(tableRows(t, dst, "vigil_findings")); n != len(tableRows(t, src, "vigil_findings")) {
		t.Errorf("the refused copy changed the destination: %d findings", n)
	}

	// The bot on PostgreSQL processes the pending delivery (one new issue)
	// and, scanning the same report again, writes nothing new.
	w.dbs = map[string]string{w.data: url}
	pgCfg := w.config()
	pgCfg.Database = url
	w.gl.ResetCalls()
	w.start(pgCfg)
	w.settle()
	if n := w.gl.CallCount("POST /projects/:id/issues"); n != 1 {
		t.Errorf("the moved bot created %d issues for the pending delivery, want 1", n)
	}
	w.issue("CVE-2023-4039 in libgcc-s1 12.2.0-14")
	w.gl.ResetCalls()
	w.scan(report("sha256:aaaa", xText, xNet, zlib))
	if n := w.gl.CallCount("POST /projects/:id/issues"); n != 0 {
		t.Errorf("the moved bot created %d issues again", n)
	}
}

// openRaw opens the SQLite file or PostgreSQL URL without migrating it.
func openRaw(t *testing.T, file, url string) *sql.DB {
	t.Helper()
	cfg := &Config{Data: file, Database: url}
	db, in, _, err := openData(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close(); db.Close() })
	return db
}

// tableRows are a table's rows as sorted text, for comparing databases.
func tableRows(t *testing.T, db *sql.DB, table string) []string {
	t.Helper()
	rows, err := db.Query(`SELECT * FROM ` + table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals, ptrs := make([]any, len(cols)), make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var out []string
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			fmt.Fprintf(&b, "%v\x1f", v)
		}
		out = append(out, b.String())
	}
	slices.Sort(out)
	return out
}
