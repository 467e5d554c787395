package ledger

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/inventory"
)

func img(digest string, tags ...string) inventory.Asset {
	return inventory.Asset{Source: "ecr", Kind: inventory.KindRegistry, Repository: "r.example/app", Digest: digest, Tags: tags, Owner: "g/app"}
}

func pod(name, digest string) inventory.Asset {
	return inventory.Asset{Source: "prod", Kind: inventory.KindCluster, Repository: "r.example/app", Digest: digest,
		Running: &inventory.Running{Cluster: "prod", Namespace: "web", Workload: "Deployment/app", Pod: name, Container: "app"}}
}

func report(failed map[string]error, assets ...inventory.Asset) inventory.Report {
	var results []inventory.Result
	for _, s := range []string{"ecr", "prod"} {
		r := inventory.Result{Source: s, Type: s, Err: failed[s]}
		for _, a := range assets {
			if a.Source == s {
				r.Assets = append(r.Assets, a)
			}
		}
		results = append(results, r)
	}
	return inventory.NewReport(results, inventory.Rules{}, false, nil)
}

// Three inventory runs: an image leaves its registry and a pod stops (both
// seen by successful listings), then the cluster cannot be listed, which
// must not read as "nothing runs there".
func TestAssetsAcrossRuns(t *testing.T) {
	ctx := context.Background()
	l := open(t, filepath.Join(t.TempDir(), "vigil.db"))
	a := l.Assets()
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)

	if _, err := a.Record(ctx, report(nil, img("sha256:a", "1"), img("sha256:b", "2"), pod("app-1", "sha256:a"), pod("app-2", "sha256:b")), t0); err != nil {
		t.Fatal(err)
	}
	st, err := a.Record(ctx, report(nil, img("sha256:a", "1", "latest"), pod("app-1", "sha256:a")), t0.Add(time.Hour))
	if err != nil || st.Stopped != 1 {
		t.Fatalf("second run: %+v %v", st, err)
	}
	images, err := a.Images(ctx, "")
	if err != nil || len(images) != 2 {
		t.Fatalf("images: %v %+v", err, images)
	}
	for _, im := range images {
		switch im.Digest {
		case "sha256:a":
			if im.Gone || im.Tags != "1,latest" || !im.FirstSeen.Equal(t0) || !im.LastSeen.Equal(t0.Add(time.Hour)) {
				t.Errorf("kept image: %+v", im)
			}
		case "sha256:b":
			if !im.Gone {
				t.Errorf("an image its registry no longer lists is gone: %+v", im)
			}
		}
	}
	if where, _ := a.Where(ctx, "sha256:b"); len(where) != 0 {
		t.Errorf("stopped pod still runs: %v", where)
	}

	if _, err := a.Record(ctx, report(map[string]error{"prod": errors.New("connection refused")}, img("sha256:a", "1")), t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	where, err := a.Where(ctx, "sha256:a")
	if err != nil || len(where) != 1 || where[0] != "prod/web/Deployment/app/app" {
		t.Errorf("a failed listing must keep what ran: %v %v", where, err)
	}
}

func TestScannedDigests(t *testing.T) {
	ctx := context.Background()
	l := open(t, filepath.Join(t.TempDir(), "vigil.db"))
	for i, st := range []string{IngestComplete, IngestRejected} {
		in := Ingest{Key: "k" + st, ProjectID: 1, JobID: int64(i), Artifact: "vigil-findings.json", Asset: "r/app",
			Digest: "sha256:" + st, Status: st, At: time.Now()}
		if err := l.PutIngest(ctx, l.DB(), in); err != nil {
			t.Fatal(err)
		}
	}
	got, err := l.Assets().ScannedDigests(ctx)
	if _, rejected := got["sha256:rejected"]; err != nil || got["sha256:complete"].IsZero() || rejected {
		t.Errorf("scanned: %v %v", got, err)
	}
}
