package inventory

import (
	"testing"
	"time"
)

func TestOwnerGaps(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	scans := map[string]time.Time{"sha256:scanned": now.AddDate(0, 0, -1)}
	scanned := func(d string) (time.Time, bool) { at, ok := scans[d]; return at, ok }
	stored := func(repo, d, owner string) Asset {
		return Asset{Source: "reg", Kind: KindRegistry, Repository: repo, Digest: d, Owner: owner}
	}
	r := Report{
		Assets: []Asset{
			stored("r/app", "sha256:runs", "g/app"),    // also a running gap: listed once, as running
			stored("r/app", "sha256:old", "g/app"),     // stored, never scanned
			stored("r/app", "sha256:scanned", "g/app"), // covered
			stored("r/x", "sha256:nobody", ""),         // no owner: no project to tell
		},
		Gaps: []Gap{
			{Kind: "source", Source: "down", Reason: "refused"},
			{Kind: "unscanned", Source: "prod", Digest: "sha256:runs", Where: "prod/a/Deployment/api/app", Owner: "g/app"},
		},
	}
	kept := []Gap{
		{Kind: "unscanned", Source: "staging", Digest: "sha256:kept", Where: "staging/a/Deployment/api/app", Owner: "g/app"},
		{Kind: "unscanned", Source: "staging", Digest: "sha256:scanned", Where: "staging/b/Deployment/w/app", Owner: "g/app"}, // scanned since
		{Kind: "unscanned", Source: "prod", Digest: "sha256:runs", Where: "prod/a/Deployment/api/app", Owner: "g/app"},        // found again
	}
	got := OwnerGaps(r, kept, scanned, 0, now)
	if len(got) != 1 || len(got["g/app"]) != 3 {
		t.Fatalf("gaps %+v", got)
	}
	kinds := map[string]string{}
	for _, g := range got["g/app"] {
		kinds[g.Digest] = g.Kind
	}
	if kinds["sha256:runs"] != "unscanned" || kinds["sha256:old"] != KindStored || kinds["sha256:kept"] != "unscanned" {
		t.Errorf("kinds %v", kinds)
	}
	if got := OwnerGaps(r, nil, nil, 0, now); len(got["g/app"]) != 1 {
		t.Errorf("without scans, stored images cannot be judged: %+v", got)
	}
}
