package match

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	grypematch "github.com/anchore/grype/grype/match"
	"github.com/anchore/grype/grype/pkg"
	"github.com/anchore/grype/grype/vulnerability"
	"github.com/anchore/syft/syft/cpe"
	syftpkg "github.com/anchore/syft/syft/pkg"

	"gitlab.com/vigil-vm/vigil/ci/vulndb"
)

// maxMemoEntries bounds a long-lived memo (the bot keeps one per open DB
// build); past it, packages are matched unmemoised.
const maxMemoEntries = 200_000

// Memo remembers, for one vulnerability DB, what each grype matcher
// answered for a package, so that the same package in thousands of stored
// SBOMs (one module version, one Debian package of one release) is
// matched once per pass. A grype matcher is a function of the package's
// content and of the DB: it reads neither the package's id nor its
// locations nor the other packages of the SBOM. The filters that do look
// across packages (ownership overlap, the matchers' ignore filters, the
// hard-coded and user ignore rules) still run in grype for every SBOM on
// the remembered answers, rebased to the package at hand.
//
// A Memo is safe for concurrent use; it must serve one DB only.
type Memo struct {
	mu      sync.Mutex
	entries map[memoKey]*memoEntry
	hits    atomic.Int64
}

// Hits counts the answers given from the memo (a matcher's answer, or a
// package grype was spared because every answer was empty).
func (mm *Memo) Hits() int64 { return mm.hits.Load() }

// NewMemo returns an empty memo.
func NewMemo() *Memo { return &Memo{entries: map[memoKey]*memoEntry{}} }

// memoEntry is one matcher's answer for one package, as given for the
// package with id `of`, and the questions (Recorder keys) asking it took.
type memoEntry struct {
	of       pkg.ID
	matches  []grypematch.Match
	ignorers []grypematch.IgnoreFilter
	keys     []string
}

func (e *memoEntry) empty() bool { return len(e.matches) == 0 && len(e.ignorers) == 0 }

// Recorder is the optional interface of a provider that records the
// questions a match asks of it (ci/monitor's match keys). A remembered
// answer asks nothing, so the memo replays the questions the first answer
// asked: the record of a match is then the same as without the memo.
type Recorder interface {
	// Capture starts noting keys apart as well; the returned function
	// stops and returns those noted since.
	Capture() (stop func() []string)
	// Replay notes keys as if asked again.
	Replay(keys []string)
}

func (mm *Memo) get(key memoKey) *memoEntry {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	return mm.entries[key]
}

func (mm *Memo) put(key memoKey, e *memoEntry) {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	if len(mm.entries) < maxMemoEntries {
		mm.entries[key] = e
	}
}

// packageKey is everything of a package that grype's matchers read (see
// Memo): not its id, locations, licenses, annotations or related packages.
// ok is false for a package whose metadata cannot be encoded.
func packageKey(p pkg.Package) (string, bool) {
	k := struct {
		Name, Version, PURL string
		Language            syftpkg.Language
		Type                syftpkg.Type
		CPEs                []cpe.CPE
		Upstreams           []pkg.UpstreamPackage
		MetadataType        string
		Metadata            any
		Distro              any
	}{Name: p.Name, Version: p.Version, PURL: p.PURL, Language: p.Language, Type: p.Type, CPEs: p.CPEs,
		Upstreams: p.Upstreams, MetadataType: fmt.Sprintf("%T", p.Metadata), Metadata: p.Metadata}
	if d := p.Distro; d != nil {
		k.Distro = []any{d.Type, d.Version, d.Codename, d.Channels, d.IDLike, d.SupportEnd}
	}
	data, err := json.Marshal(k)
	if err != nil {
		return "", false
	}
	return string(data), true
}

// memoMatcher is a grype matcher answering from a memo; slot is its
// position in the Matcher's list, which names its answers in the memo.
type memoMatcher struct {
	grypematch.Matcher
	memo *Memo
	slot int
}

// memoKey names the answer of the matcher in a slot for a package: a
// digest of both, since a package's key (its metadata as JSON) runs to
// a kilobyte and a fleet's memo holds tens of thousands.
type memoKey [sha256.Size]byte

func keyOf(slot int, packageKey string) memoKey {
	return sha256.Sum256([]byte(strconv.Itoa(slot) + "\x00" + packageKey))
}

func (m memoMatcher) Match(vp vulnerability.Provider, p pkg.Package) ([]grypematch.Match, []grypematch.IgnoreFilter, error) {
	pk, ok := packageKey(p)
	if !ok {
		return m.Matcher.Match(vp, p)
	}
	key := keyOf(m.slot, pk)
	rec, _ := vp.(Recorder)
	if e := m.memo.get(key); e != nil {
		m.memo.hits.Add(1)
		if rec != nil {
			rec.Replay(e.keys)
		}
		matches, ignorers := e.rebase(p)
		return matches, ignorers, nil
	}
	stop := func() []string { return nil }
	if rec != nil {
		stop = rec.Capture()
	}
	matches, ignorers, err := m.Matcher.Match(vp, p)
	keys := stop()
	if err == nil {
		if e, ok := newMemoEntry(p, matches, ignorers, keys); ok {
			m.memo.put(key, e)
		}
	}
	return matches, ignorers, err
}

// newMemoEntry keeps an answer for p, unless it holds what rebase could not
// carry over to another package: a match on another package than p, or an
// ignore filter of a kind it does not know.
func newMemoEntry(p pkg.Package, matches []grypematch.Match, ignorers []grypematch.IgnoreFilter, keys []string) (*memoEntry, bool) {
	for _, mt := range matches {
		if mt.Package.ID != p.ID {
			return nil, false
		}
	}
	for _, f := range ignorers {
		switch f.(type) {
		case grypematch.IgnoreRule, grypematch.IgnoreRelatedPackage:
		default:
			return nil, false
		}
	}
	e := &memoEntry{of: p.ID, keys: keys, ignorers: ignorers}
	for _, mt := range matches {
		mt.Vulnerability = vulndb.CloneVulnerability(mt.Vulnerability)
		e.matches = append(e.matches, mt)
	}
	return e, true
}

// rebase is the remembered answer for package p: each match on p, with its
// own copy of the vulnerability (grype's presenter sorts some of its slices
// in place), and filters that named the first package naming p.
func (e *memoEntry) rebase(p pkg.Package) ([]grypematch.Match, []grypematch.IgnoreFilter) {
	var matches []grypematch.Match
	for _, mt := range e.matches {
		mt.Package = p
		mt.Vulnerability = vulndb.CloneVulnerability(mt.Vulnerability)
		matches = append(matches, mt)
	}
	var ignorers []grypematch.IgnoreFilter
	for _, f := range e.ignorers {
		if r, ok := f.(grypematch.IgnoreRelatedPackage); ok && r.RelatedPackageID == e.of {
			r.RelatedPackageID = p.ID
			f = r
		}
		ignorers = append(ignorers, f)
	}
	return matches, ignorers
}

// knownEmpty reports whether the memo holds an answer of every matcher
// grype would ask about p (those in slots), and each is empty (no match, no ignore filter),
// replaying their questions when so: grype's loop would add nothing for p,
// so it need not see p at all (its hard-coded ignore rules alone cost a
// pass of regexp checks per package).
func (mm *Memo) knownEmpty(slots []int, p pkg.Package, vp vulnerability.Provider) bool {
	k, ok := packageKey(p)
	if !ok || len(slots) == 0 {
		return false
	}
	var keys []string
	for _, slot := range slots {
		e := mm.get(keyOf(slot, k))
		if e == nil || !e.empty() {
			return false
		}
		keys = append(keys, e.keys...)
	}
	if rec, ok := vp.(Recorder); ok {
		rec.Replay(keys)
	}
	mm.hits.Add(1)
	return true
}
