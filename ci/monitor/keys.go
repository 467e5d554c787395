package monitor

import (
	"slices"
	"sync"

	"github.com/anchore/grype/grype/search"
	"github.com/anchore/grype/grype/vulnerability"

	"gitlab.com/vigil-vm/vigil/ci/match"
	"gitlab.com/vigil-vm/vigil/ci/vulndb"
)

// An SBOM's keys are the questions its last match asked the DB: the package
// names searched (folded as nameKey), the CPE products searched, and the
// vulnerability ids looked up. A match is a function of the SBOM and of the
// answers to those questions, so a DB build that changes no record under
// any of them gives the same findings; one that does is a reason to match
// the SBOM again. Recording them from the searches themselves, rather than
// guessing them from the SBOM, covers whatever each matcher asks: a dpkg
// package's source name, a Java package's group:artifact, stdlib's CPE.

// nameKey is the key of a package name searched: vulndb.NameKey's folding
// (names grype's store could consider equal share one key).
func nameKey(n string) string { return "n:" + vulndb.NameKey(n) }

// cpeKey is the key of a CPE product.
func cpeKey(product string) string { return "c:" + nameKey(product)[2:] }

// idKey is the key of a vulnerability id.
func idKey(id string) string { return "i:" + nameKey(id)[2:] }

// recorder is a vulnerability provider that notes the keys of every
// question asked through it. One recorder serves one match at a time.
type recorder struct {
	vulndb.Wrapped
	mu       sync.Mutex
	keys     map[string]struct{}
	captured map[string]struct{} // see Capture; nil when not capturing
}

var _ match.Recorder = (*recorder)(nil)

func (r *recorder) reset() {
	r.mu.Lock()
	r.keys = map[string]struct{}{}
	r.mu.Unlock()
}

// take returns the keys noted since the last reset, sorted.
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.keys))
	for k := range r.keys {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (r *recorder) note(k string) {
	r.mu.Lock()
	r.keys[k] = struct{}{}
	if r.captured != nil {
		r.captured[k] = struct{}{}
	}
	r.mu.Unlock()
}

// Capture is match.Recorder's: the memo of package answers keeps the keys
// of each answer it remembers. Captures do not nest: one match of one
// package at a time.
func (r *recorder) Capture() func() []string {
	r.mu.Lock()
	r.captured = map[string]struct{}{}
	r.mu.Unlock()
	return func() []string {
		r.mu.Lock()
		defer r.mu.Unlock()
		out := make([]string, 0, len(r.captured))
		for k := range r.captured {
			out = append(out, k)
		}
		r.captured = nil
		return out
	}
}

// Replay is match.Recorder's: the keys of a remembered answer.
func (r *recorder) Replay(keys []string) {
	for _, k := range keys {
		r.note(k)
	}
}

func (r *recorder) FindVulnerabilities(criteria ...vulnerability.Criteria) ([]vulnerability.Vulnerability, error) {
	r.noteCriteria(criteria)
	return r.Provider.FindVulnerabilities(criteria...)
}

// noteCriteria notes the keys of each row of criteria, flattened as
// grype's store flattens and/or groups.
func (r *recorder) noteCriteria(criteria []vulnerability.Criteria) {
	for _, row := range search.CriteriaIterator(criteria) {
		for _, c := range row {
			switch c := c.(type) {
			case *search.PackageNameCriteria:
				r.note(nameKey(c.PackageName))
			case *search.CPECriteria:
				r.note(cpeKey(c.CPE.Attributes.Product))
			case *search.IDCriteria:
				r.note(idKey(c.ID))
			}
		}
	}
}

func (r *recorder) VulnerabilityMetadata(ref vulnerability.Reference) (*vulnerability.Metadata, error) {
	r.note(idKey(ref.ID))
	return r.Provider.VulnerabilityMetadata(ref)
}

// HasRecords forwards match.RecordChecker, noting the name: a package the
// matcher skips because the DB holds nothing under its name depends on that
// name as much as one it searches.
func (r *recorder) HasRecords(name string) bool {
	r.note(nameKey(name))
	if rc, ok := r.Provider.(match.RecordChecker); ok {
		return rc.HasRecords(name)
	}
	return true
}
