package ledger

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/webhook"
	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/postgres"
	"gitlab.com/vigil-vm/vigil/internal/postgrestest"
	"gitlab.com/vigil-vm/vigil/internal/sqlite"
)

// pgDatabases stand for the files tests name when VIGIL_TEST_DATABASE=postgres
// (.ci/test's second pass): opening a path again opens the same database.
var pgDatabases sync.Map

func open(t *testing.T, path string) *Ledger {
	t.Helper()
	return openAt(t, path, 0)
}

// openAt opens the ledger at path with the migrations up to version upTo
// (0: all), as a ledger made by an earlier vigil is.
func openAt(t *testing.T, path string, upTo int64) *Ledger {
	t.Helper()
	if os.Getenv("VIGIL_TEST_DATABASE") == "postgres" {
		u, ok := pgDatabases.Load(path)
		if !ok {
			u = postgrestest.URL(t)
			pgDatabases.Store(path, u)
		}
		return openPostgresAt(t, u.(string), upTo)
	}
	db, err := sqlite.Open(path, sqlite.Service())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	l := &Ledger{db: db, dialect: SQLite}
	if err := l.migrate(context.Background(), upTo); err != nil {
		t.Fatal(err)
	}
	return l
}

func openPostgres(t *testing.T, url string) *Ledger {
	t.Helper()
	return openPostgresAt(t, url, 0)
}

func openPostgresAt(t *testing.T, url string, upTo int64) *Ledger {
	t.Helper()
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	l := &Ledger{db: db, dialect: Postgres}
	if err := l.migrate(context.Background(), upTo); err != nil {
		t.Fatal(err)
	}
	return l
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vigil.db")
	l := open(t, path)
	if err := l.SetProjectPath(ctx, 7, "group/app"); err != nil {
		t.Fatal(err)
	}
	l.DB().Close()
	l2 := open(t, path) // migrations run again and must not fail or wipe
	if p, err := l2.ProjectPath(ctx, 7); err != nil || p != "group/app" {
		t.Fatalf("ProjectPath after reopen = %q, %v", p, err)
	}
}

func TestInsertDeliveryDeduplicates(t *testing.T) {
	ctx := context.Background()
	l := open(t, filepath.Join(t.TempDir(), "vigil.db"))
	d := webhook.Delivery{Key: "uuid-1", Event: "Job Hook", Body: []byte(`{"a":1}`), Received: time.Now()}
	for i, want := range []bool{true, false, false} {
		got, err := l.InsertDelivery(ctx, l.DB(), d)
		if err != nil || got != want {
			t.Fatalf("insert %d = %v, %v; want %v", i, got, err, want)
		}
	}
	got, err := l.Delivery(ctx, "uuid-1")
	if err != nil || string(got.Body) != `{"a":1}` || got.Status != DeliveryQueued {
		t.Fatalf("Delivery = %+v, %v", got, err)
	}
	if err := l.FinishDelivery(ctx, "uuid-1", DeliveryFailed, "bad report", time.Now()); err != nil {
		t.Fatal(err)
	}
	if got, _ := l.Delivery(ctx, "uuid-1"); got.Status != DeliveryFailed || got.Error != "bad report" {
		t.Errorf("after finish: %+v", got)
	}
	if _, err := l.Delivery(ctx, "nope"); !IsNotFound(err) {
		t.Errorf("missing delivery: %v", err)
	}
}

func TestTxRollbackLeavesNothing(t *testing.T) {
	ctx := context.Background()
	l := open(t, filepath.Join(t.TempDir(), "vigil.db"))
	boom := errors.New("boom")
	err := l.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := l.InsertDelivery(ctx, tx, webhook.Delivery{Key: "k", Event: "Job Hook", Received: time.Now()}); err != nil {
			return err
		}
		if err := l.PutFinding(ctx, tx, Finding{Fingerprint: "fp", Status: FindingOpen}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Tx = %v", err)
	}
	if _, err := l.Delivery(ctx, "k"); !IsNotFound(err) {
		t.Errorf("delivery survived rollback: %v", err)
	}
	if _, err := l.Finding(ctx, l.DB(), "fp"); !IsNotFound(err) {
		t.Errorf("finding survived rollback: %v", err)
	}
}

func TestFindingsAndIssues(t *testing.T) {
	ctx := context.Background()
	l := open(t, filepath.Join(t.TempDir(), "vigil.db"))
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	f := Finding{Fingerprint: "fp1", ProjectID: 1, ProjectPath: "g/p", Asset: "registry/app", Digest: "sha256:aa",
		PackageType: "go-module", PackageName: "golang.org/x/text", PackageVersion: "0.3.5", Vulnerability: "CVE-2022-32149",
		Severity: findings.High, FirstSeen: now, LastSeen: now, FixState: string(findings.FixAvailable), FixSince: now,
		Status: FindingOpen, Group: "g1", Scope: "job:scan@main", Data: []byte(`{}`)}
	if err := l.PutFinding(ctx, l.DB(), f); err != nil {
		t.Fatal(err)
	}
	f2 := f
	f2.Fingerprint, f2.Asset, f2.Severity, f2.Scope = "fp2", "registry/other", findings.Critical, "job:scan@dev"
	if err := l.PutFinding(ctx, l.DB(), f2); err != nil {
		t.Fatal(err)
	}
	got, err := l.ScopeFindings(ctx, l.DB(), 1, "job:scan@main", "asset:registry/app")
	if err != nil || len(got) != 1 || got[0].Fingerprint != "fp1" || !got[0].FirstSeen.Equal(now) || got[0].Severity != findings.High || got[0].Scope != "job:scan@main" {
		t.Fatalf("ScopeFindings = %+v, %v", got, err)
	}
	f.Status = FindingResolved
	if err := l.PutFinding(ctx, l.DB(), f); err != nil {
		t.Fatal(err)
	}
	if got, _ := l.ScopeFindings(ctx, l.DB(), 1, "job:scan@main"); len(got) != 0 {
		t.Errorf("resolved finding still open: %+v", got)
	}
	if g, _ := l.GroupFindings(ctx, "g1"); len(g) != 2 {
		t.Errorf("GroupFindings = %d findings, want 2", len(g))
	}
	counts, err := l.OpenBySeverity(ctx)
	if err != nil || counts[findings.Critical] != 1 || counts[findings.High] != 0 {
		t.Errorf("OpenBySeverity = %v, %v", counts, err)
	}

	is := Issue{Group: "g1", ProjectID: 1, IID: 3, State: "opened", Hash: "h", ClockStart: now, Due: now.AddDate(0, 0, 30),
		Reminded: 1, Deviation: true, Exception: "accepted-risk", ExceptionReason: "r", ExceptionExpires: now.AddDate(0, 1, 0), ExceptionBy: "alice"}
	if err := l.PutIssue(ctx, is); err != nil {
		t.Fatal(err)
	}
	back, err := l.IssueByIID(ctx, 1, 3)
	if err != nil || back.Group != "g1" || !back.Due.Equal(is.Due) || !back.Deviation || back.Reminded != 1 || back.ExceptionBy != "alice" {
		t.Errorf("IssueByIID = %+v, %v", back, err)
	}
	if _, err := l.Issue(ctx, "other"); !IsNotFound(err) {
		t.Errorf("missing issue: %v", err)
	}
}

func TestRebind(t *testing.T) {
	l := &Ledger{dialect: Postgres}
	if got := l.rebind(`SELECT a FROM t WHERE b = ? AND c = ?`); got != `SELECT a FROM t WHERE b = $1 AND c = $2` {
		t.Errorf("rebind = %s", got)
	}
}

func TestIngestsNewestFirstByProject(t *testing.T) {
	ctx := context.Background()
	l := open(t, filepath.Join(t.TempDir(), "vigil.db"))
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i, in := range []Ingest{
		{Key: "1/10", ProjectID: 1, JobID: 10, JobName: "container_scanning", Ref: "main", Status: IngestComplete, At: t0},
		{Key: "1/11", ProjectID: 1, JobID: 11, JobName: "gemnasium-maven-dependency_scanning", Ref: "main", Status: IngestSkipped, Reason: "artifacts_expired", At: t0.Add(time.Minute)},
		{Key: "2/12", ProjectID: 2, JobID: 12, Status: IngestSkipped, Reason: "project_not_visible", At: t0.Add(2 * time.Minute)},
	} {
		if err := l.PutIngest(ctx, l.DB(), in); err != nil {
			t.Fatalf("ingest %d: %v", i, err)
		}
	}
	got, err := l.Ingests(ctx, IngestFilter{ProjectID: 1})
	if err != nil || len(got) != 2 || got[0].Key != "1/11" || got[0].Reason != "artifacts_expired" || got[0].JobName != "gemnasium-maven-dependency_scanning" {
		t.Fatalf("Ingests(project 1) = %+v, %v", got, err)
	}
	if got, _ := l.Ingests(ctx, IngestFilter{Status: IngestSkipped}); len(got) != 2 {
		t.Errorf("skipped ingests = %d, want 2", len(got))
	}
	// A later outcome for the same job replaces the first.
	if err := l.PutIngest(ctx, l.DB(), Ingest{Key: "1/11", ProjectID: 1, JobID: 11, Status: IngestComplete, At: t0.Add(3 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if st, _ := l.IngestStatus(ctx, "1/11"); st != IngestComplete {
		t.Errorf("status after retry = %q", st)
	}
	for job, want := range map[int64][2]bool{10: {true, true}, 12: {false, false}, 99: {false, false}} {
		handled, complete, err := l.JobHandled(ctx, 1, job)
		if err != nil || handled != want[0] || complete != want[1] {
			t.Errorf("JobHandled(1, %d) = %v, %v, %v; want %v", job, handled, complete, err, want)
		}
	}
	if handled, complete, _ := l.JobHandled(ctx, 2, 12); !handled || complete {
		t.Errorf("a skipped job is handled but not complete: %v %v", handled, complete)
	}
}
