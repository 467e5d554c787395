package match

import (
	"context"
	"fmt"
	"slices"

	"github.com/anchore/clio"
	"github.com/anchore/grype/cmd/grype/cli/options"
	"github.com/anchore/grype/grype"
	"github.com/anchore/grype/grype/distro"
	grypematch "github.com/anchore/grype/grype/match"
	"github.com/anchore/grype/grype/matcher"
	"github.com/anchore/grype/grype/matcher/dotnet"
	"github.com/anchore/grype/grype/matcher/dpkg"
	"github.com/anchore/grype/grype/matcher/golang"
	"github.com/anchore/grype/grype/matcher/hex"
	"github.com/anchore/grype/grype/matcher/java"
	"github.com/anchore/grype/grype/matcher/javascript"
	"github.com/anchore/grype/grype/matcher/python"
	"github.com/anchore/grype/grype/matcher/rpm"
	"github.com/anchore/grype/grype/matcher/ruby"
	"github.com/anchore/grype/grype/matcher/rust"
	"github.com/anchore/grype/grype/matcher/stock"
	"github.com/anchore/grype/grype/pkg"
	"github.com/anchore/grype/grype/presenter/models"
	"github.com/anchore/grype/grype/vulnerability"
	"github.com/anchore/syft/syft/artifact"
	syftpkg "github.com/anchore/syft/syft/pkg"
	"github.com/anchore/syft/syft/sbom"
	"github.com/anchore/syft/syft/source"
)

// Matcher matches SBOMs against one loaded vulnerability database. It is
// safe to reuse for many SBOMs: the DB is loaded once per process.
type Matcher struct {
	provider vulnerability.Provider
	matchers []grypematch.Matcher
	nameOnly map[syftpkg.Type]bool // see prune
	memo     *Memo
	byType   func(syftpkg.Type) []int // positions in matchers
}

// Option configures a Matcher.
type Option func(*Matcher)

// WithMemo has the Matcher remember each package's answers in memo, which
// must serve the provider's DB only (see Memo).
func WithMemo(memo *Memo) Option { return func(m *Matcher) { m.memo = memo } }

// New returns a Matcher over a loaded vulnerability provider.
func New(p vulnerability.Provider, opts ...Option) *Matcher {
	cfg := defaultConfig()
	m := &Matcher{provider: p, matchers: matcher.NewDefaultMatchers(cfg), nameOnly: nameOnly(cfg)}
	for _, o := range opts {
		o(m)
	}
	m.byType = matcherIndex(m.matchers)
	if m.memo != nil {
		for i, gm := range m.matchers {
			m.matchers[i] = memoMatcher{Matcher: gm, memo: m.memo, slot: i}
		}
	}
	return m
}

// Result is grype's view of one SBOM: its matches as grype's JSON presenter
// models, and the distro it matched against.
type Result struct {
	Matches []models.Match
	Distro  *distro.Distro
	// Aliases holds every related id of each matched vulnerability id, also
	// those the DB has no record for (which grype's models leave out).
	Aliases map[string][]string
}

// Match finds the vulnerabilities of the packages in s.
func (m *Matcher) Match(ctx context.Context, s *sbom.SBOM, desc *source.Description) (*Result, error) {
	return m.MatchPackages(ctx, s, s.Artifacts.Packages.Sorted(), desc)
}

// MatchPackages is Match with s's packages given as sorted, in syft's
// order (pkg.Sort), and not read from s: syft's collection hands out deep
// copies, made by reflection, which cost a re-match a tenth of its time.
// Nothing here changes the packages, so the caller may share them between
// calls (ci/monitor's Unpacker does).
func (m *Matcher) MatchPackages(ctx context.Context, s *sbom.SBOM, sorted []syftpkg.Package, desc *source.Description) (*Result, error) {
	d := distro.FromRelease(s.Artifacts.LinuxDistribution, nil)
	synth := pkg.SynthesisConfig{Distro: pkg.DistroConfig{Override: d}}
	own := make([]syftpkg.Package, len(sorted))
	for i, p := range sorted {
		p.CPEs = slices.Clip(p.CPEs) // grype appends to a package's CPEs: let it be to a copy, never to the shared array
		own[i] = p
	}
	packages := pkg.FromPtrs(pkg.FromPackages(own, packageRelationships(s.Relationships), synth))
	pctx := pkg.Context{Source: desc, Distro: d}

	vm := grype.VulnerabilityMatcher{
		VulnerabilityProvider: m.provider,
		Matchers:              m.matchers,
		IgnoreRules:           ignoreKernelHeaders,
	}
	found, ignored, err := vm.FindMatchesContext(ctx, m.pruneKnownEmpty(m.prune(packages)), pctx)
	if err != nil {
		return nil, fmt.Errorf("match vulnerabilities: %w", err)
	}
	doc, err := models.NewDocument(clio.Identification{Name: "vigil"}, matched(packages, found, ignored), pctx, *found, ignored, m.provider, nil, nil, models.DefaultSortStrategy, false, nil)
	if err != nil {
		return nil, fmt.Errorf("describe matches: %w", err)
	}
	aliases := map[string][]string{}
	for _, fm := range found.Sorted() {
		for _, r := range fm.Vulnerability.RelatedVulnerabilities {
			if !slices.Contains(aliases[fm.Vulnerability.ID], r.ID) {
				aliases[fm.Vulnerability.ID] = append(aliases[fm.Vulnerability.ID], r.ID)
			}
		}
	}
	return &Result{Matches: doc.Matches, Distro: d, Aliases: aliases}, nil
}

// matched is the packages, in order, that a match or an ignored match
// names: all the presenter looks up (by a linear search per match, which
// copies every package it passes), apart from the distro it reads off
// them, which Result takes from the SBOM instead.
func matched(packages []pkg.Package, found *grypematch.Matches, ignored []grypematch.IgnoredMatch) []pkg.Package {
	ids := map[pkg.ID]bool{}
	for _, fm := range found.Sorted() {
		ids[fm.Package.ID] = true
	}
	for _, im := range ignored {
		ids[im.Package.ID] = true
	}
	var out []pkg.Package
	for _, p := range packages {
		if ids[p.ID] {
			out = append(out, p)
		}
	}
	return out
}

// packageRelationships keeps the relationships grype reads: "contains" and
// "ownership-by-file-overlap" between two packages. grype drops every other
// one itself, but only after hashing both ends to look them up, and the
// package-to-file relationships of an SBOM outnumber its packages by far:
// hashing their file coordinates was a tenth of a re-match's CPU time.
func packageRelationships(rs []artifact.Relationship) []artifact.Relationship {
	var out []artifact.Relationship
	for _, r := range rs {
		if r.Type != artifact.ContainsRelationship && r.Type != artifact.OwnershipByFileOverlapRelationship {
			continue
		}
		if isPackage(r.From) && isPackage(r.To) {
			out = append(out, r)
		}
	}
	return out
}

func isPackage(a artifact.Identifiable) bool {
	switch a.(type) {
	case syftpkg.Package, *syftpkg.Package:
		return true
	}
	return false
}

// defaultConfig is the grype CLI's default matcher configuration.
func defaultConfig() matcher.Config {
	o := options.DefaultGrype(clio.Identification{Name: "vigil"})
	return matcher.Config{
		Java: java.MatcherConfig{
			ExternalSearchConfig: o.ExternalSources.ToJavaMatcherConfig(),
			UseCPEs:              o.Match.Java.UseCPEs,
		},
		Ruby:       ruby.MatcherConfig(o.Match.Ruby),
		Python:     python.MatcherConfig(o.Match.Python),
		Dotnet:     dotnet.MatcherConfig(o.Match.Dotnet),
		Javascript: javascript.MatcherConfig(o.Match.Javascript),
		Rust:       rust.MatcherConfig(o.Match.Rust),
		Hex:        hex.MatcherConfig(o.Match.Hex),
		Stock:      stock.MatcherConfig(o.Match.Stock),
		Golang: golang.MatcherConfig{
			UseCPEs:                                o.Match.Golang.UseCPEs,
			AlwaysUseCPEForStdlib:                  o.Match.Golang.AlwaysUseCPEForStdlib,
			AllowMainModulePseudoVersionComparison: o.Match.Golang.AllowMainModulePseudoVersionComparison,
		},
		Dpkg: dpkg.MatcherConfig{
			MissingEpochStrategy: o.Match.Dpkg.MissingEpochStrategy,
			UseCPEsForEOL:        o.Match.Dpkg.UseCPEsForEOL,
			UseCPEs:              o.Match.Dpkg.UseCPEs,
		},
		Rpm: rpm.MatcherConfig{
			MissingEpochStrategy: o.Match.Rpm.MissingEpochStrategy,
			UseCPEsForEOL:        o.Match.Rpm.UseCPEsForEOL,
			UseCPEs:              o.Match.Rpm.UseCPEs,
		},
	}
}

// ignoreKernelHeaders mirrors the grype CLI default (match-upstream-kernel-headers
// off): kernel header packages do not inherit the kernel's vulnerabilities.
var ignoreKernelHeaders = []grypematch.IgnoreRule{
	{Package: grypematch.IgnoreRulePackage{Name: "kernel-headers", UpstreamName: "kernel", Type: string(syftpkg.RpmPkg)}, MatchType: grypematch.ExactIndirectMatch},
	{Package: grypematch.IgnoreRulePackage{Name: "linux(-.*)?-headers-.*", UpstreamName: "linux.*", Type: string(syftpkg.DebPkg)}, MatchType: grypematch.ExactIndirectMatch},
	{Package: grypematch.IgnoreRulePackage{Name: "linux-libc-dev", UpstreamName: "linux", Type: string(syftpkg.DebPkg)}, MatchType: grypematch.ExactIndirectMatch},
	{Package: grypematch.IgnoreRulePackage{Name: "linux-kbuild-.*", UpstreamName: "linux.*", Type: string(syftpkg.DebPkg)}, MatchType: grypematch.ExactIndirectMatch},
}
