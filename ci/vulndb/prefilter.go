package vulndb

import (
	"fmt"
	"sync"

	v6 "github.com/anchore/grype/grype/db/v6"
	"github.com/anchore/grype/grype/search"
	"github.com/anchore/grype/grype/vulnerability"
)

// dbProvider is grype's v6 provider with two shortcuts in front of its SQLite
// store, which parses every statement anew and takes several queries per
// package even when the answer is nothing:
//   - a negative filter: the package names the DB holds any affected
//     record for, and those it holds any unaffected record for. Most
//     packages of an image have neither; a lookup in the sets answers them.
//   - a cache of the searches that do reach the store (searchcache.go).
//
// grype's matchers still decide every match: the filter only cuts searches
// SQLite would answer with nothing, and the cache answers a search as the
// store did. Both live as long as the opened, read-only DB; they sit here,
// not in ci/match, because they belong to one DB and ci/match's tests
// import this package.
type dbProvider struct {
	Wrapped
	// names is loaded on the first search, so opening a DB that is never
	// matched against costs nothing. nil means the sets could not be read:
	// then no search is cut.
	names func() *packageNames
	cache searchCache
}

// packageNames holds nameKey of each name, by the table its handles are in.
type packageNames struct {
	affected, unaffected map[string]struct{}
}

var (
	_ vulnerability.Provider              = (*dbProvider)(nil)
	_ vulnerability.StoreMetadataProvider = (*dbProvider)(nil)
	_ vulnerability.EOLChecker            = (*dbProvider)(nil)
)

// withPrefilter wraps the provider of the DB file at path.
func withPrefilter(p vulnerability.Provider, path string) vulnerability.Provider {
	return &dbProvider{Wrapped: Wrapped{p}, names: sync.OnceValue(func() *packageNames {
		n, err := readPackageNames(path)
		if err != nil {
			return nil
		}
		return n
	})}
}

// readPackageNames reads the names of grype's packages table that affected
// and unaffected package handles join, exactly as grype's package store
// joins them (affected_package_handles.package_id = packages.id).
func readPackageNames(path string) (*packageNames, error) {
	db, err := v6.NewLowLevelDB(path, false, false, false)
	if err != nil {
		return nil, err
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	defer sqlDB.Close()
	read := func(table string) (map[string]struct{}, error) {
		rows, err := db.Model(&v6.Package{}).Distinct("packages.name").
			Joins(fmt.Sprintf("JOIN %s ON %s.package_id = packages.id", table, table)).Rows()
		if err != nil {
			return nil, fmt.Errorf("read package names of %s: %w", table, err)
		}
		defer rows.Close()
		names := map[string]struct{}{}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return nil, err
			}
			names[NameKey(n)] = struct{}{}
		}
		return names, rows.Err()
	}
	var n packageNames
	if n.affected, err = read("affected_package_handles"); err != nil {
		return nil, err
	}
	if n.unaffected, err = read("unaffected_package_handles"); err != nil {
		return nil, err
	}
	return &n, nil
}

// NameKey folds a package name so that any two names grype's store could
// consider equal get the same key. The store compares
// `packages.name = ? collate nocase` (SQLite's NOCASE folds ASCII letters
// only) after name.Normalize, which for Python turns runs of '-', '_' and
// '.' into one '-' (and leaves other ecosystems' names alone). Folding ASCII
// case and dropping those three characters is coarser than both, so a
// missing key proves the store has no such package; the reverse need not
// hold (a key present only means "ask grype").
func NameKey(n string) string {
	b := make([]byte, 0, len(n))
	for i := 0; i < len(n); i++ {
		switch c := n[i]; {
		case c == '-' || c == '_' || c == '.':
		case 'A' <= c && c <= 'Z':
			b = append(b, c+'a'-'A')
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// FindVulnerabilities searches as grype's v6 store does: it flattens the
// criteria into rows (alternatives whose criteria must all hold), searches
// them one after the other and concatenates what each finds, stopping at
// the first error. A row naming a package the DB has no record for finds
// nothing; the others go to grype, through the cache.
func (p *dbProvider) FindVulnerabilities(criteria ...vulnerability.Criteria) ([]vulnerability.Vulnerability, error) {
	if search.ValidateCriteria(criteria) != nil {
		return p.Provider.FindVulnerabilities(criteria...) // grype's own error
	}
	names := p.names()
	var out []vulnerability.Vulnerability
	for _, row := range search.CriteriaIterator(criteria) {
		if names != nil && absent(names, row) {
			continue
		}
		vs, err := p.cache.find(p.Provider, row)
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
	}
	return out, nil
}

// absent says a row of criteria can only find records of a package name
// the DB lacks: grype searches the unaffected handles for a row that asks
// ForUnaffected, the affected ones otherwise. A row that also searches by
// CPE (answered from the CPE tables whatever the name) or by vulnerability
// id, or whose distro grype would reject with an error, is never cut; nor
// is an empty name, which grype's store reads as any name.
func absent(names *packageNames, row []vulnerability.Criteria) bool {
	var name *search.PackageNameCriteria
	table := names.affected
	for _, c := range row {
		switch c := c.(type) {
		case *search.PackageNameCriteria:
			name = c
		case *search.UnaffectedCriteria:
			table = names.unaffected
		case *search.CPECriteria, *search.IDCriteria:
			return false
		case *search.DistroCriteria:
			for _, d := range c.Distros {
				if d.Name() == "" && d.LabelVersion() == "" {
					return false // grype answers ErrMissingOSIdentification
				}
			}
		}
	}
	if name == nil || name.PackageName == "" {
		return false
	}
	_, known := table[NameKey(name.PackageName)]
	return !known
}

// VulnerabilityMetadata is grype's, through the cache.
func (p *dbProvider) VulnerabilityMetadata(ref vulnerability.Reference) (*vulnerability.Metadata, error) {
	return p.cache.vulnerabilityMetadata(p.Provider, ref)
}

// HasRecords reports whether the DB may hold affected or unaffected package
// records under a package name, compared as grype's store compares names.
// false is certain: a search by this name finds nothing. When the name
// sets cannot be read it answers true.
func (p *dbProvider) HasRecords(name string) bool {
	names := p.names()
	if names == nil {
		return true
	}
	k := NameKey(name)
	_, a := names.affected[k]
	_, u := names.unaffected[k]
	return a || u
}
