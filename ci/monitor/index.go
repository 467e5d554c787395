package monitor

import "slices"

// Index maps each key (see keys.go) to the stored SBOMs whose last match
// asked it. SBOMs are numbered by the caller; the index holds only numbers,
// so a fleet of 10,000 SBOMs of a few hundred keys each costs a few MB.
type Index struct {
	postings map[string][]int32
	indexed  map[int32]bool
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{postings: map[string][]int32{}, indexed: map[int32]bool{}}
}

// Add records the keys of SBOM n. An SBOM is added once; add it again
// only to a fresh index.
func (ix *Index) Add(n int, keys []string) {
	ix.indexed[int32(n)] = true
	for _, k := range keys {
		ix.postings[k] = append(ix.postings[k], int32(n))
	}
}

// Affected returns, sorted, the SBOMs among 0..total-1 that a diff requires
// matching again: every one when the diff is Full, else those indexed under
// a key the diff changed, and those never indexed (never matched).
func (ix *Index) Affected(d *Diff, total int) []int {
	var out []int
	if d.Full {
		for n := range total {
			out = append(out, n)
		}
		return out
	}
	seen := map[int32]bool{}
	for k := range d.Names() {
		for _, n := range ix.postings[k] {
			seen[n] = true
		}
	}
	for n := range total {
		if seen[int32(n)] || !ix.indexed[int32(n)] {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}
