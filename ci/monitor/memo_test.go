package monitor

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"testing"

	"github.com/anchore/syft/syft/file"
	"github.com/anchore/syft/syft/pkg"
	syftsbom "github.com/anchore/syft/syft/sbom"

	"gitlab.com/vigil-vm/vigil/ci/match"
	"gitlab.com/vigil-vm/vigil/ci/vulndb"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// TestMemoMatchesAsWithout: matching a fleet with the memo of package
// answers (NewMatcher's default) gives every SBOM the findings and the keys
// matching each package afresh gives, also where the same package sits at
// another path in another image (another package id: the memo's answers
// must be rebased to it).
func TestMemoMatchesAsWithout(t *testing.T) {
	t.Parallel()
	const n = 30
	ss := fleet(t, n, 80, 3)
	for i, s := range ss {
		if i%2 == 1 {
			ss[i] = relocated(s, fmt.Sprintf("/srv/image-%d", i))
		}
	}
	packed := packAll(t, ss)
	vp, _, err := vulndb.Open(context.Background(), vulndb.OpenOptions{Dir: newDB, AllowStale: true})
	if err != nil {
		t.Fatal(err)
	}
	defer vp.Close()
	memoised := NewMatcher(vp, 0)
	plain := &Matcher{vp: vp, workers: 2}
	withMemo, withMemoKeys := findingsOf(t, memoised, packed)
	without, withoutKeys := findingsOf(t, plain, packed)
	found := 0
	for i := range n {
		if withMemo[i] != without[i] {
			t.Errorf("SBOM %d: findings differ\nmemo:    %s\nwithout: %s", i, withMemo[i], without[i])
		}
		if !slices.Equal(withMemoKeys[i], withoutKeys[i]) {
			t.Errorf("SBOM %d: keys differ\nmemo:    %v\nwithout: %v", i, withMemoKeys[i], withoutKeys[i])
		}
		if withMemo[i] != "null" {
			found++
		}
	}
	t.Logf("%d SBOMs, %d with findings; %d answers from the memo", n, found, memoised.memo.Hits())
	if found == 0 || memoised.memo.Hits() == 0 {
		t.Fatalf("the fixture proves nothing: %d SBOMs with findings, %d memo hits", found, memoised.memo.Hits())
	}
}

// findingsOf matches packed with m and returns each SBOM's findings (JSON)
// and keys.
func findingsOf(t *testing.T, m *Matcher, packed [][]byte) (map[int]string, map[int][]string) {
	t.Helper()
	found, keys := map[int]string{}, map[int][]string{}
	err := m.Match(context.Background(), packed, func(o Outcome) error {
		asset := findings.Asset{Kind: "image", Repository: fmt.Sprintf("registry.example/fleet/%d", o.Index)}
		data, err := json.Marshal(match.Findings("group/fleet", asset, o.Result))
		found[o.Index], keys[o.Index] = string(data), o.Keys
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return found, keys
}

// relocated is s with every package found under dir instead (so with
// another id), as the same package sits elsewhere in another image.
func relocated(s *syftsbom.SBOM, dir string) *syftsbom.SBOM {
	c := *s
	var moved []pkg.Package
	for _, p := range s.Artifacts.Packages.Sorted() {
		var locs []file.Location
		for _, l := range p.Locations.ToSlice() {
			locs = append(locs, file.NewLocation(path.Join(dir, l.RealPath)))
		}
		p.Locations = file.NewLocationSet(locs...)
		p.SetID()
		moved = append(moved, p)
	}
	c.Artifacts.Packages = pkg.NewCollection(moved...)
	return &c
}
