package inventory

import (
	"sort"
	"time"
)

// KindStored is the gap of a registry image no scan covers; Gaps does not
// list those (a registry keeps many old images), but an owner's
// coverage-gap issue does.
const KindStored = "stored"

// OwnerGaps groups by owner project what no scan covers: the running
// digests of r.Gaps (a Report made with gaps), kept (the last gaps of the
// sources that failed this time) while their digests still have no
// recent scan, and the owner's registry images with no scan (or, with
// maxAge, a stale one) that are not a gap already. Gaps without an owner,
// and the sources that failed, belong to no project and are left out.
// Each owner's list is sorted.
func OwnerGaps(r Report, kept []Gap, scanned Scanned, maxAge time.Duration, now time.Time) map[string][]Gap {
	out := map[string][]Gap{}
	listed := map[[2]string]bool{} // owner, digest
	seen := map[Gap]bool{}         // a source listed in part keeps gaps it also found again
	add := func(g Gap) {
		if seen[g] {
			return
		}
		seen[g] = true
		out[g.Owner] = append(out[g.Owner], g)
		listed[[2]string{g.Owner, g.Digest}] = true
	}
	for _, g := range r.Gaps {
		if g.Owner != "" && g.Digest != "" {
			add(g)
		}
	}
	for _, g := range kept {
		if g.Owner != "" && g.Digest != "" && (scanned == nil || scanGap(&g, scanned, maxAge, now)) {
			add(g)
		}
	}
	for _, a := range r.Assets {
		key := [2]string{a.Owner, a.Digest}
		if scanned == nil || a.Kind != KindRegistry || a.Owner == "" || a.Digest == "" || listed[key] {
			continue
		}
		g := Gap{Kind: KindStored, Source: a.Source, Reason: "stored but has no known scan", Digest: a.Digest, Image: a.Repository, Owner: a.Owner}
		if scanGap(&g, scanned, maxAge, now) {
			add(g)
		}
	}
	for _, gs := range out {
		SortGaps(gs)
	}
	return out
}

// SortGaps orders gaps by image, digest, place and source.
func SortGaps(gs []Gap) {
	sort.Slice(gs, func(i, j int) bool {
		a, b := gs[i], gs[j]
		if a.Image != b.Image {
			return a.Image < b.Image
		}
		if a.Digest != b.Digest {
			return a.Digest < b.Digest
		}
		if a.Where != b.Where {
			return a.Where < b.Where
		}
		return a.Source < b.Source
	})
}
