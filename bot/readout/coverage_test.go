package readout

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/inventory"
	"gitlab.com/vigil-vm/vigil/bot/ledger"
)

// Coverage counts inventoried digests scanned within the window before the
// read-out's end, and running digests never scanned.
func TestCoverageFromInventory(t *testing.T) {
	ctx := context.Background()
	l := scriptedLedger(t)
	at := date("2026-03-01")
	if c, err := CoverageFrom(ctx, l, "", 30*24*time.Hour, at); err != nil || c != nil {
		t.Fatalf("without an inventory: %+v, %v; want none", c, err)
	}
	reg := func(d string) inventory.Asset {
		return inventory.Asset{Source: "ecr", Kind: inventory.KindRegistry, Repository: "r.example/app", Digest: d, Tags: []string{d}}
	}
	run := func(d string) inventory.Asset {
		return inventory.Asset{Source: "prod", Kind: inventory.KindCluster, Repository: "r.example/app", Digest: d,
			Running: &inventory.Running{Cluster: "prod", Namespace: "web", Pod: "p-" + d, Container: "app"}}
	}
	// a: scanned Feb 20 (in the window); b: scanned Jan 10 (before it);
	// c: running, never scanned; d: scanned Mar 02, after the read-out.
	rep := inventory.NewReport([]inventory.Result{
		{Source: "ecr", Type: "ecr", Assets: []inventory.Asset{reg("sha256:a"), reg("sha256:b"), reg("sha256:d")}},
		{Source: "prod", Type: "kubernetes", Assets: []inventory.Asset{run("sha256:a"), run("sha256:c")}},
	}, inventory.Rules{}, false, nil)
	if _, err := l.Assets().Record(ctx, rep, date("2026-02-28")); err != nil {
		t.Fatal(err)
	}
	for i, s := range []struct{ digest, at string }{{"sha256:a", "2026-02-20"}, {"sha256:b", "2026-01-10"}, {"sha256:d", "2026-03-02"}} {
		if err := l.PutIngest(ctx, l.DB(), ledger.Ingest{Key: fmt.Sprint(i), ProjectID: 1, JobID: int64(i), Artifact: "x",
			Digest: s.digest, Status: ledger.IngestComplete, At: date(s.at)}); err != nil {
			t.Fatal(err)
		}
	}
	c, err := CoverageFrom(ctx, l, "", 30*24*time.Hour, at)
	if err != nil {
		t.Fatal(err)
	}
	if c.Assets != 4 || c.ScannedInWindow != 1 || c.Ratio != 0.25 || c.RunningUnscanned != 1 || c.WindowDays != 30 {
		t.Errorf("coverage = %+v, want 1 of 4 scanned in 30 days, 1 running unscanned", c)
	}
}
