package vulndb

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	v6 "github.com/anchore/grype/grype/db/v6"
	"github.com/anchore/grype/grype/search"
	"github.com/anchore/grype/grype/vulnerability"
)

// maxCachedVulns bounds the memory a long-lived provider (the bot keeps one
// open) spends on cached answers, at roughly a kilobyte each; past it, new
// searches go to SQLite uncached.
const maxCachedVulns = 50_000

// searchCache remembers, for the lifetime of one opened (read-only) DB,
// what grype's v6 store found for a package name. The matchers search by
// name without the package version (they filter by version afterwards), so
// every copy of stdlib or golang.org/x/net in a fleet's SBOMs asks the same
// question; each answer costs grype hundreds of SQLite queries (every
// record and, per CVE, its KEV, EPSS and CWE rows).
//
// It also remembers the metadata grype looks up again for every match it
// reports (three queries per CVE: KEV, EPSS, CWE).
type searchCache struct {
	mu       sync.Mutex
	results  map[string][]vulnerability.Vulnerability
	metadata map[string]*vulnerability.Metadata
	size     int // vulnerabilities and metadata held
}

// cacheKey splits a row of criteria as grype's v6 store does (db/v6
// search_query.go): the criteria it turns into the SQL query, which make
// the key, and the rest, which it applies to each vulnerability found,
// in order (vulnerabilityProvider.filterVulnerabilities). ok is false for
// a row the cache leaves to grype: one searching by CPE or id, one with a
// version constraint (grype applies those to each record's ranges before
// building vulnerabilities), or one without a package name.
func cacheKey(row []vulnerability.Criteria) (key string, query, rest []vulnerability.Criteria, ok bool) {
	var b strings.Builder
	named := false
	for _, c := range row {
		switch c := c.(type) {
		case *search.PackageNameCriteria:
			named = c.PackageName != "" // "" searches every name
			fmt.Fprintf(&b, "name=%q;", c.PackageName)
		case *search.EcosystemCriteria:
			fmt.Fprintf(&b, "eco=%q/%q;", c.Language, c.PackageType)
		case *search.UnaffectedCriteria:
			b.WriteString("unaffected;")
		case *search.DistroCriteria:
			fmt.Fprintf(&b, "distro(exact=%t", c.Exact)
			for _, d := range c.Distros {
				fmt.Fprintf(&b, ",%q/%q/%q/%q/%q/%q", d.Name(), d.MajorVersion(), d.MinorVersion(), d.RemainingVersion(), d.LabelVersion(), d.Channels)
			}
			b.WriteString(");")
		case *search.CPECriteria, *search.IDCriteria, search.VersionConstraintMatcher:
			return "", nil, nil, false
		default:
			rest = append(rest, c)
			continue
		}
		query = append(query, c)
	}
	return b.String(), query, rest, named
}

// find answers a row from the cache, asking grype for what it lacks.
func (sc *searchCache) find(p vulnerability.Provider, row []vulnerability.Criteria) ([]vulnerability.Vulnerability, error) {
	key, query, rest, ok := cacheKey(row)
	if !ok {
		return p.FindVulnerabilities(row...)
	}
	sc.mu.Lock()
	found, hit := sc.results[key]
	sc.mu.Unlock()
	if !hit {
		var err error
		if found, err = p.FindVulnerabilities(query...); err != nil {
			return nil, err
		}
		sc.mu.Lock()
		if sc.size+len(found) <= maxCachedVulns {
			if sc.results == nil {
				sc.results = map[string][]vulnerability.Vulnerability{}
			}
			sc.results[key] = found
			sc.size += len(found)
		}
		sc.mu.Unlock()
	}
	var out []vulnerability.Vulnerability
	for _, v := range found {
		keep, err := matchesAll(v, rest)
		if err != nil {
			return nil, err
		}
		if keep {
			out = append(out, CloneVulnerability(v))
		}
	}
	return out, nil
}

// vulnerabilityMetadata answers grype's VulnerabilityMetadata from the
// cache. grype builds it from the record the reference points to (its
// Internal handle, else the record of that id from the namespace's
// provider) and the CVEs of that record: the key is that record.
func (sc *searchCache) vulnerabilityMetadata(p vulnerability.Provider, ref vulnerability.Reference) (*vulnerability.Metadata, error) {
	key := fmt.Sprintf("id=%q;ns=%q", ref.ID, ref.Namespace)
	if h, ok := ref.Internal.(*v6.VulnerabilityHandle); ok {
		key = fmt.Sprintf("handle=%d;ns=%q", h.ID, ref.Namespace)
	}
	sc.mu.Lock()
	m, hit := sc.metadata[key]
	sc.mu.Unlock()
	if !hit {
		var err error
		if m, err = p.VulnerabilityMetadata(ref); err != nil { //nolint:staticcheck // grype still calls it
			return nil, err
		}
		sc.mu.Lock()
		if sc.size < maxCachedVulns {
			if sc.metadata == nil {
				sc.metadata = map[string]*vulnerability.Metadata{}
			}
			sc.metadata[key] = m
			sc.size++
		}
		sc.mu.Unlock()
	}
	return cloneMetadata(m), nil
}

func matchesAll(v vulnerability.Vulnerability, criteria []vulnerability.Criteria) (bool, error) {
	for _, c := range criteria {
		if ok, _, err := c.MatchesVulnerability(v); !ok || err != nil {
			return false, err
		}
	}
	return true, nil
}

// CloneVulnerability gives each caller its own slices: grype sorts some in place (the
// presenter sorts Fix.Versions) and memoizes the risk score in Metadata.
func CloneVulnerability(v vulnerability.Vulnerability) vulnerability.Vulnerability {
	v.PackageQualifiers = slices.Clone(v.PackageQualifiers)
	v.CPEs = slices.Clone(v.CPEs)
	v.Fix.Versions = slices.Clone(v.Fix.Versions)
	v.Fix.Available = slices.Clone(v.Fix.Available)
	v.Advisories = slices.Clone(v.Advisories)
	v.RelatedVulnerabilities = slices.Clone(v.RelatedVulnerabilities)
	v.Metadata = cloneMetadata(v.Metadata)
	return v
}

func cloneMetadata(m *vulnerability.Metadata) *vulnerability.Metadata {
	if m == nil {
		return nil
	}
	c := *m
	c.URLs = slices.Clone(c.URLs)
	c.Cvss = slices.Clone(c.Cvss)
	c.KnownExploited = slices.Clone(c.KnownExploited)
	c.EPSS = slices.Clone(c.EPSS)
	c.CWEs = slices.Clone(c.CWEs)
	return &c
}
