package monitor

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/anchore/syft/syft/artifact"
	syftpkg "github.com/anchore/syft/syft/pkg"
	"github.com/anchore/syft/syft/sbom"
)

// maxUnpacked bounds the packages an Unpacker keeps decoded. A decoded
// syft package (its location and license sets, its metadata) holds about
// 8 KB: BenchmarkMonitor's peak RSS grew by 70 MB for the 8,400 distinct
// packages of 1,000 SBOMs, by 135 MB for the 16,400 of 10,000. A bound
// below a fleet's distinct packages defeats the cache (the first ones met
// are kept, and the rest recur as often): at 8,000 the 10,000 SBOMs had
// 993,516 packages decoded instead of 16,417, and took 4× the CPU.
const maxUnpacked = 100_000

// Unpacker reads SBOMs Pack wrote, as Unpack does, remembering each
// package it decoded: the same package (the same module version at the
// same path, the same Debian package) recurs in thousands of a fleet's
// SBOMs, and syft's decoding of a package (its metadata, its CPEs, which
// it parses one by one) was most of the cost of reading an SBOM. syft
// converts each package of a document on its own (syftjson's
// toSyftPackage reads only that package's JSON), so a package decoded once
// from the same JSON is the package syft would decode again.
//
// An Unpacker is safe for concurrent use. The SBOMs it returns share
// their packages' slices and maps with each other: read them, do not
// change them (grype's package conversion copies each package first).
type Unpacker struct {
	mu      sync.Mutex
	pkgs    map[[sha256.Size]byte]syftpkg.Package
	decoded int // packages syft decoded
}

// Decoded counts the packages syft decoded, once each or past the bound.
func (u *Unpacker) Decoded() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.decoded
}

// NewUnpacker returns an Unpacker that remembers nothing yet.
func NewUnpacker() *Unpacker {
	return &Unpacker{pkgs: map[[sha256.Size]byte]syftpkg.Package{}}
}

// document is a syft JSON document with each part left undecoded, in the
// order syft writes them (the schema last, where syft's decoder looks
// first).
type document struct {
	Artifacts             []json.RawMessage `json:"artifacts"`
	ArtifactRelationships json.RawMessage   `json:"artifactRelationships,omitempty"`
	Files                 json.RawMessage   `json:"files,omitempty"`
	Source                json.RawMessage   `json:"source,omitempty"`
	Distro                json.RawMessage   `json:"distro,omitempty"`
	Descriptor            json.RawMessage   `json:"descriptor,omitempty"`
	Schema                json.RawMessage   `json:"schema,omitempty"`
}

// stub stands for a package in the document given to syft's decoder:
// its id, so that syft resolves the relationships naming it.
type stub struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Version string `json:"version"`
	Type    string `json:"type"`
}

// Unpack reads an SBOM Pack wrote. syft decodes the document without its
// packages, or with a stub of each package a relationship names (its id,
// so that syft resolves the relationship), and the stubs are then
// replaced by the packages, decoded once per distinct JSON.
func (u *Unpacker) Unpack(packed []byte) (*sbom.SBOM, error) {
	s, sorted, err := u.unpack(packed)
	if err != nil {
		return nil, err
	}
	s.Artifacts.Packages = syftpkg.NewCollection(sorted...)
	return s, nil
}

// unpack is Unpack without the SBOM's package collection (which indexes
// every package anew): its packages come apart, sorted as the
// collection's Sorted sorts them, for match.MatchPackages.
func (u *Unpacker) unpack(packed []byte) (*sbom.SBOM, []syftpkg.Package, error) {
	raw, err := zstdDecoder.DecodeAll(packed, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("read stored SBOM: %w", err)
	}
	var doc document
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, nil, fmt.Errorf("read stored SBOM: %w", err)
	}
	pkgs := make(map[artifact.ID]syftpkg.Package, len(doc.Artifacts))
	all := make([]syftpkg.Package, 0, len(doc.Artifacts))
	for _, a := range doc.Artifacts {
		p, err := u.pkg(doc, a)
		if err != nil {
			return nil, nil, err
		}
		pkgs[p.ID()] = p
		all = append(all, p)
	}
	shell := doc
	shell.Artifacts = nil
	for _, id := range related(doc.ArtifactRelationships) {
		if _, ok := pkgs[artifact.ID(id)]; !ok {
			continue // not a package: syft resolves or drops it as it would
		}
		data, err := json.Marshal(stub{ID: id})
		if err != nil {
			return nil, nil, err
		}
		shell.Artifacts = append(shell.Artifacts, data)
	}
	s, err := decode(shell)
	if err != nil {
		return nil, nil, err
	}
	s.Artifacts.Packages = syftpkg.NewCollection() // the stubs
	syftpkg.Sort(all)
	for i, r := range s.Relationships {
		s.Relationships[i].From, s.Relationships[i].To = swap(pkgs, r.From), swap(pkgs, r.To)
	}
	return s, all, nil
}

// related lists the ids the relationships name, each once.
func related(rels json.RawMessage) []string {
	var rs []struct{ Parent, Child string }
	if len(rels) == 0 || json.Unmarshal(rels, &rs) != nil {
		return nil // syft's decoder reports what is wrong with them
	}
	seen := map[string]bool{}
	var out []string
	for _, r := range rs {
		for _, id := range []string{r.Parent, r.Child} {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	return out
}

// pkg is the package the JSON a stands for, decoded by syft the first time.
func (u *Unpacker) pkg(doc document, a json.RawMessage) (syftpkg.Package, error) {
	sum := sha256.Sum256(a)
	u.mu.Lock()
	p, ok := u.pkgs[sum]
	u.mu.Unlock()
	if ok {
		return p, nil
	}
	one := doc
	one.Artifacts, one.ArtifactRelationships, one.Files = []json.RawMessage{a}, nil, nil
	s, err := decode(one)
	if err != nil {
		return syftpkg.Package{}, err
	}
	ps := s.Artifacts.Packages.Sorted()
	if len(ps) != 1 {
		return syftpkg.Package{}, fmt.Errorf("read stored SBOM: a package decoded as %d", len(ps))
	}
	u.mu.Lock()
	u.decoded++
	if len(u.pkgs) < maxUnpacked {
		u.pkgs[sum] = ps[0]
	}
	u.mu.Unlock()
	return ps[0], nil
}

// decode has syft decode doc.
func decode(doc document) (*sbom.SBOM, error) {
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("read stored SBOM: %w", err)
	}
	return decodeJSON(data)
}

// swap is the package a relationship's end stands for, or the end itself.
func swap(pkgs map[artifact.ID]syftpkg.Package, end artifact.Identifiable) artifact.Identifiable {
	if !isPackage(end) {
		return end
	}
	if p, ok := pkgs[end.ID()]; ok {
		return p
	}
	return end
}
