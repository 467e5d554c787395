package monitor

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"gitlab.com/vigil-vm/vigil/ci/match"
	"gitlab.com/vigil-vm/vigil/ci/vulndb"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// matchAll matches every packed SBOM against the DB in dir and returns each
// one's findings (as JSON, to compare) and keys.
func matchAll(t testing.TB, dir string, packed [][]byte, which []int) (map[int]string, map[int][]string) {
	t.Helper()
	vp, _, err := vulndb.Open(context.Background(), vulndb.OpenOptions{Dir: dir, AllowStale: true})
	if err != nil {
		t.Fatal(err)
	}
	defer vp.Close()
	sel := make([][]byte, len(which))
	for i, n := range which {
		sel[i] = packed[n]
	}
	found, keys := map[int]string{}, map[int][]string{}
	err = NewMatcher(vp, 0).Match(context.Background(), sel, func(o Outcome) error {
		n := which[o.Index]
		asset := findings.Asset{Kind: "image", Repository: fmt.Sprintf("registry.example/fleet/%d", n), Digest: fmt.Sprintf("sha256:%064d", n)}
		data, err := json.Marshal(match.Findings("group/fleet", asset, o.Result))
		found[n], keys[n] = string(data), o.Keys
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return found, keys
}

func every(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// TestIncrementalEqualsFull: after a DB update, matching again only the
// SBOMs the diff names gives the findings a full re-match gives, for every
// SBOM of the fleet.
func TestIncrementalEqualsFull(t *testing.T) {
	t.Parallel()
	const n = 60
	packed := packAll(t, fleet(t, n, 60, 1))
	before, keys := matchAll(t, oldDB, packed, every(n))

	d, err := DiffBuilds(context.Background(), oldDB, newDB)
	if err != nil {
		t.Fatal(err)
	}
	ix := NewIndex()
	for i := range n {
		ix.Add(i, keys[i])
	}
	affected := ix.Affected(d, n)
	again, _ := matchAll(t, newDB, packed, affected)
	full, _ := matchAll(t, newDB, packed, every(n))

	changed := 0
	for i := range n {
		got, ok := again[i]
		if !ok {
			got = before[i]
		}
		if got != full[i] {
			t.Errorf("SBOM %d: incremental findings differ from a full re-match's\nincremental: %s\nfull:        %s", i, got, full[i])
		}
		if before[i] != full[i] {
			changed++
		}
	}
	t.Logf("%d SBOMs: %d matched again, %d with changed findings", n, len(affected), changed)
	if changed == 0 || len(affected) == n {
		t.Fatalf("the fixture proves nothing: %d SBOMs changed, %d of %d matched again", changed, len(affected), n)
	}
}

// TestAffectedUnindexed: an SBOM never matched is matched whatever changed;
// a Full diff matches every SBOM.
func TestAffectedUnindexed(t *testing.T) {
	t.Parallel()
	ix := NewIndex()
	ix.Add(0, []string{nameKey("golang.org/x/net")})
	ix.Add(1, []string{nameKey("left-pad")})
	d := &Diff{Packages: []Change{{Ecosystem: "go-module", Name: "golang.org/x/net", Added: []string{"GO-1"}}}}
	if got := ix.Affected(d, 3); fmt.Sprint(got) != "[0 2]" {
		t.Errorf("affected = %v, want [0 2] (the x/net SBOM and the unindexed one)", got)
	}
	if got := ix.Affected(&Diff{Full: true}, 3); len(got) != 3 {
		t.Errorf("full diff: affected = %v", got)
	}
}
