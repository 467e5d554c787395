package ledger

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"
)

func TestSBOMStore(t *testing.T) {
	ctx := context.Background()
	l := open(t, filepath.Join(t.TempDir(), "ledger.db"))
	doc := bytes.Repeat([]byte(`{"bomFormat":"CycloneDX","components":[{"name":"golang.org/x/net","version":"v0.1.0"}]}`), 50)
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	sb := SBOM{Digest: "sha256:aa", Repository: "r.example/app", ProjectID: 7, ProjectPath: "g/app", Artifact: "gl-sbom-app.cdx.json",
		SyftVersion: "1.40.0", VigilVersion: "v1", Document: doc, StoredAt: now}
	if err := l.SBOMs().Put(ctx, sb); err != nil {
		t.Fatal(err)
	}
	var stored string
	if err := l.DB().QueryRowContext(ctx, `SELECT data FROM vigil_sboms`).Scan(&stored); err != nil || len(stored) >= len(doc)/4 {
		t.Errorf("stored %d bytes for a %d-byte document (err %v): not compressed", len(stored), len(doc), err)
	}
	got, err := l.SBOMs().Get(ctx, "sha256:aa")
	if err != nil || !bytes.Equal(got.Document, doc) || got.ProjectPath != "g/app" || !got.StoredAt.Equal(now) {
		t.Fatalf("got %+v, %v", got, err)
	}
	if ok, _ := l.SBOMs().Has(ctx, "sha256:aa", "1.40.0", "v1"); !ok {
		t.Error("Has: stored SBOM not found")
	}
	if ok, _ := l.SBOMs().Has(ctx, "sha256:aa", "1.41.0", "v1"); ok {
		t.Error("Has: another syft version must be cataloged again")
	}
	if by, err := l.SBOMs().BySyft(ctx, "1.40.0"); err != nil || !by["sha256:aa"] || len(by) != 1 {
		t.Errorf("BySyft(1.40.0) = %v, %v", by, err)
	}
	if by, _ := l.SBOMs().BySyft(ctx, "1.41.0"); len(by) != 0 {
		t.Errorf("BySyft(1.41.0) = %v, want none", by)
	}
	if err := l.SBOMs().SetMatched(ctx, l.DB(), "sha256:aa", "xxh64:1", []string{"n:golangorg/x/net", "i:go20231"}); err != nil {
		t.Fatal(err)
	}
	var keys []string
	err = l.SBOMs().EachKeys(ctx, func(d, b string, k []string) error {
		if d == "sha256:aa" && b == "xxh64:1" {
			keys = k
		}
		return nil
	})
	if err != nil || len(keys) != 2 {
		t.Errorf("keys %v, %v", keys, err)
	}
	// A new document for the digest is matched afresh.
	sb.SyftVersion = "1.41.0"
	if err := l.SBOMs().Put(ctx, sb); err != nil {
		t.Fatal(err)
	}
	if got, _ := l.SBOMs().Get(ctx, "sha256:aa"); got.MatchKeys != nil || got.MatchedBuild != "" {
		t.Errorf("replaced SBOM keeps old keys: %+v", got)
	}
}

func TestCurrentBuild(t *testing.T) {
	ctx := context.Background()
	l := open(t, filepath.Join(t.TempDir(), "ledger.db"))
	if _, ok, err := l.SBOMs().CurrentBuild(ctx); ok || err != nil {
		t.Fatalf("before any build: ok %v, %v", ok, err)
	}
	for _, sum := range []string{"xxh64:1", "xxh64:2"} {
		err := l.Tx(ctx, func(tx *sql.Tx) error {
			return l.SBOMs().SetCurrentBuild(ctx, tx, DBBuild{Checksum: sum, Built: time.Now(), Schema: "v6.1.9", SeenAt: time.Now()})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	b, ok, err := l.SBOMs().CurrentBuild(ctx)
	if !ok || err != nil || b.Checksum != "xxh64:2" {
		t.Errorf("current = %+v %v %v", b, ok, err)
	}
}
