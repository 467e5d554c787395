package match

import (
	"slices"
	"testing"

	grypematch "github.com/anchore/grype/grype/match"
	"github.com/anchore/grype/grype/matcher/mock"
	"github.com/anchore/grype/grype/pkg"
	"github.com/anchore/grype/grype/vulnerability"
	"github.com/anchore/syft/syft/artifact"
	"github.com/anchore/syft/syft/file"
	syftpkg "github.com/anchore/syft/syft/pkg"
)

// keyRecorder is a provider that records keys as ci/monitor's does.
type keyRecorder struct {
	vulnerability.Provider
	keys, captured []string
	capturing      bool
}

func (r *keyRecorder) note(k string) {
	r.keys = append(r.keys, k)
	if r.capturing {
		r.captured = append(r.captured, k)
	}
}

func (r *keyRecorder) Capture() func() []string {
	r.capturing, r.captured = true, nil
	return func() []string { r.capturing = false; return r.captured }
}

func (r *keyRecorder) Replay(keys []string) { r.keys = append(r.keys, keys...) }

// TestMemoRebasesAnswers: the same package at another path (another id)
// gets the remembered answer as its own: its matches are on it, the
// ignore filters that named the first package name it, and the questions
// the first answer asked are recorded again.
func TestMemoRebasesAnswers(t *testing.T) {
	calls := 0
	inner := mock.New(syftpkg.GoModulePkg, func(vp vulnerability.Provider, p pkg.Package) ([]grypematch.Match, []grypematch.IgnoreFilter, error) {
		calls++
		vp.(*keyRecorder).note("n:" + p.Name)
		m := grypematch.Match{Package: p, Vulnerability: vulnerability.Vulnerability{Reference: vulnerability.Reference{ID: "GO-2024-0001"}}}
		return []grypematch.Match{m}, []grypematch.IgnoreFilter{
			grypematch.IgnoreRelatedPackage{RelationshipType: artifact.OwnershipByFileOverlapRelationship, VulnerabilityID: "CVE-2024-1", RelatedPackageID: p.ID},
			grypematch.IgnoreRule{Vulnerability: "CVE-2024-2"},
		}, nil
	})
	memo := NewMemo()
	mm := memoMatcher{Matcher: inner, memo: memo}
	at := func(path string) pkg.Package {
		sp := syftpkg.Package{Name: "golang.org/x/net", Version: "v0.1.0", Type: syftpkg.GoModulePkg, Language: syftpkg.Go,
			Locations: file.NewLocationSet(file.NewLocation(path))}
		sp.SetID()
		return pkg.New(sp)
	}
	first, second := at("/app/one"), at("/app/two")
	if first.ID == second.ID {
		t.Fatal("the fixture's packages share an id")
	}
	rec := &keyRecorder{}
	if _, _, err := mm.Match(rec, first); err != nil {
		t.Fatal(err)
	}
	rec.keys = nil
	matches, ignorers, err := mm.Match(rec, second)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 || memo.Hits() != 1 {
		t.Fatalf("inner matcher called %d times, %d memo hits; want 1 and 1", calls, memo.Hits())
	}
	if len(matches) != 1 || matches[0].Package.ID != second.ID || matches[0].Package.Locations.ToSlice()[0].RealPath != "/app/two" {
		t.Errorf("matches = %+v, want one on the second package", matches)
	}
	if r, ok := ignorers[0].(grypematch.IgnoreRelatedPackage); !ok || r.RelatedPackageID != second.ID {
		t.Errorf("ownership filter = %+v, want it to name the second package", ignorers[0])
	}
	if r, ok := ignorers[1].(grypematch.IgnoreRule); !ok || r.Vulnerability != "CVE-2024-2" {
		t.Errorf("ignore rule = %+v", ignorers[1])
	}
	if !slices.Equal(rec.keys, []string{"n:golang.org/x/net"}) {
		t.Errorf("recorded keys = %v, want the first answer's", rec.keys)
	}
	if memo.knownEmpty([]int{0}, second, rec) {
		t.Error("a package with matches counted as known empty")
	}
}
