package ledger

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/webhook"
	"gitlab.com/vigil-vm/vigil/internal/postgrestest"
)

func TestReplicasMigrateAtOnce(t *testing.T) {
	// Four replicas start together on an empty database: each opens the
	// ledger without error and every migration is applied once.
	u := postgrestest.URL(t)
	var wg sync.WaitGroup
	ledgers := make([]*Ledger, 4)
	for i := range ledgers {
		wg.Go(func() { ledgers[i] = openPostgres(t, u) })
	}
	wg.Wait()
	names, _ := migrationFS.ReadDir("migrations")
	var n int
	if err := ledgers[0].DB().QueryRow(`SELECT COUNT(*) FROM vigil_schema_versions WHERE version_id > 0`).Scan(&n); err != nil || n != len(names) {
		t.Errorf("%d migrations recorded (%v), want %d", n, err, len(names))
	}
}

func TestPostgresStoresWhatReportsCarry(t *testing.T) {
	// PostgreSQL's text refuses NUL and invalid UTF-8; a report carrying
	// them is recorded (with U+FFFD), not retried forever.
	ctx := context.Background()
	l := openPostgres(t, postgrestest.URL(t))
	f := Finding{Fingerprint: "fp", ProjectID: 1, PackageVersion: "v1\x00\xff", Status: FindingOpen, Data: []byte(`{}`), FirstSeen: time.Now(), LastSeen: time.Now()}
	if err := l.PutFinding(ctx, l.DB(), f); err != nil {
		t.Fatal(err)
	}
	got, err := l.Finding(ctx, l.DB(), "fp")
	if err != nil || got.PackageVersion != "v1\uFFFD\uFFFD" {
		t.Errorf("version %q, %v", got.PackageVersion, err)
	}
	if _, err := l.InsertDelivery(ctx, l.DB(), webhook.Delivery{Key: "k", Event: "Job Hook", Body: []byte("{\"a\":\"\xff\"}"), Received: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if d, _ := l.Delivery(ctx, "k"); !strings.Contains(string(d.Body), "\uFFFD") {
		t.Errorf("body %q", d.Body)
	}
}
