package match

import (
	grypematch "github.com/anchore/grype/grype/match"
	"github.com/anchore/grype/grype/matcher"
	"github.com/anchore/grype/grype/pkg"
	"github.com/anchore/grype/grype/vulnerability"
	syftpkg "github.com/anchore/syft/syft/pkg"
)

// RecordChecker is the optional interface of a vulnerability provider that
// can tell, without a search, that it holds no package record under a name
// (ci/vulndb's provider does).
type RecordChecker interface {
	HasRecords(name string) bool
}

// nameOnly lists the package types whose grype matcher, as configured,
// searches only by the names the provider's PackageSearchNames gives
// (matcher/internal.MatchPackageByLanguage): Go modules other than stdlib
// and npm packages, unless CPE matching is on for them.
func nameOnly(cfg matcher.Config) map[syftpkg.Type]bool {
	out := map[syftpkg.Type]bool{}
	if !cfg.Golang.UseCPEs {
		out[syftpkg.GoModulePkg] = true
	}
	if !cfg.Javascript.UseCPEs {
		out[syftpkg.NpmPkg] = true
	}
	return out
}

// prune drops the packages grype would search for only by names the DB
// holds no record under: such a package yields no match and no ignore
// filter, yet grype's matcher loop costs it a search round and a pass over
// its hard-coded ignore rules (which compiles a regexp check per rule,
// per package). In a fleet most language packages have no advisory at all.
func (m *Matcher) prune(ps []pkg.Package) []pkg.Package {
	rc, ok := m.provider.(RecordChecker)
	if !ok {
		return ps
	}
	out := ps[:0:0]
	for _, p := range ps {
		if m.nameOnly[p.Type] && p.Name != "stdlib" && !anyRecords(rc, m.provider, p) {
			continue
		}
		out = append(out, p)
	}
	return out
}

func anyRecords(rc RecordChecker, vp vulnerability.Provider, p pkg.Package) bool {
	for _, n := range vp.PackageSearchNames(p) {
		if rc.HasRecords(n) {
			return true
		}
	}
	return false
}

// pruneKnownEmpty drops the packages for which the memo holds an empty
// answer of every matcher grype would ask (see Memo.knownEmpty).
func (m *Matcher) pruneKnownEmpty(ps []pkg.Package) []pkg.Package {
	if m.memo == nil {
		return ps
	}
	out := ps[:0:0]
	for _, p := range ps {
		if !m.memo.knownEmpty(m.byType(p.Type), p, m.provider) {
			out = append(out, p)
		}
	}
	return out
}

// matcherIndex gives the positions in matchers of those grype asks about a
// package of each type, chosen as grype's VulnerabilityMatcher chooses
// them (newMatcherIndex): those that list the type, else the stock matcher.
func matcherIndex(matchers []grypematch.Matcher) func(syftpkg.Type) []int {
	index := map[syftpkg.Type][]int{}
	var stock []int
	for i, gm := range matchers {
		if gm.Type() == grypematch.StockMatcher {
			stock = []int{i}
			continue
		}
		for _, t := range gm.PackageTypes() {
			index[t] = append(index[t], i)
		}
	}
	return func(t syftpkg.Type) []int {
		if ms, ok := index[t]; ok {
			return ms
		}
		return stock
	}
}
