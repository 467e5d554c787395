package inventory

import (
	"testing"
	"time"
)

func TestGapsByScanAge(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	pod := func(d, name string) Asset {
		return Asset{Source: "prod", Kind: KindCluster, Digest: d, Running: &Running{Cluster: "prod", Namespace: "web", Pod: name, Container: "app"}}
	}
	assets := []Asset{pod("sha256:fresh", "a"), pod("sha256:old", "b"), pod("sha256:never", "c")}
	scans := map[string]time.Time{"sha256:fresh": now.AddDate(0, 0, -2), "sha256:old": now.AddDate(0, 0, -45)}
	scanned := func(d string) (time.Time, bool) { t, ok := scans[d]; return t, ok }
	got := map[string]string{}
	for _, g := range Gaps(nil, assets, scanned, 30*24*time.Hour, now) {
		got[g.Digest] = g.Kind
	}
	if len(got) != 2 || got["sha256:old"] != "stale" || got["sha256:never"] != "unscanned" {
		t.Errorf("gaps %v", got)
	}
	if gaps := Gaps(nil, assets, scanned, 0, now); len(gaps) != 1 {
		t.Errorf("without max_scan_age any scan counts: %+v", gaps)
	}
}
