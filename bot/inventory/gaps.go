package inventory

import (
	"sort"
	"time"
)

// Gap is a hole in coverage: a source that could not be listed, or a digest
// that runs but that no registry source knows (so nothing vigil watches
// will ever scan it).
type Gap struct {
	Kind   string `json:"kind"` // "source", "unscanned" or "stale"
	Source string `json:"source"`
	// Reason is the source's error, or why the digest is a gap.
	Reason string `json:"reason"`
	Digest string `json:"digest,omitempty"`
	Image  string `json:"image,omitempty"`
	Where  string `json:"where,omitempty"`
	Owner  string `json:"owner,omitempty"`
}

// Scanned says when a digest was last scanned, if ever; nil means "known
// to a registry source" is all that can be said.
type Scanned func(digest string) (last time.Time, ok bool)

// Gaps lists the sources that failed and the running digests with no
// known scan (or, when scanned is nil, found in no registry source), and,
// when maxAge is set, those whose last scan is older than maxAge at now;
// assets are the results' assets after Rules.Apply, so gaps carry their
// owners.
func Gaps(results []Result, assets []Asset, scanned Scanned, maxAge time.Duration, now time.Time) []Gap {
	var gaps []Gap
	inRegistry := map[string]bool{}
	for _, r := range results {
		if r.Err != nil {
			gaps = append(gaps, Gap{Kind: "source", Source: r.Source, Reason: r.Err.Error()})
		}
	}
	for _, a := range assets {
		if a.Kind == KindRegistry {
			inRegistry[a.Digest] = true
		}
	}
	reason := "runs but has no known scan"
	if scanned == nil {
		reason = "runs but is in no registry source"
		scanned = func(d string) (time.Time, bool) { return time.Time{}, inRegistry[d] }
	}
	var unscanned []Gap
	for _, a := range assets {
		if a.Kind != KindCluster || a.Digest == "" {
			continue
		}
		g := Gap{Kind: "unscanned", Source: a.Source, Reason: reason, Digest: a.Digest, Image: a.Running.Image, Where: a.Running.Where(), Owner: a.Owner}
		if scanGap(&g, scanned, maxAge, now) {
			unscanned = append(unscanned, g)
		}
	}
	sort.SliceStable(unscanned, func(i, j int) bool { return unscanned[i].Where < unscanned[j].Where })
	return append(gaps, unscanned...)
}

// scanGap decides whether g's digest is a gap by its last scan: none
// (g stays as it is), or one older than maxAge (g becomes "stale").
func scanGap(g *Gap, scanned Scanned, maxAge time.Duration, now time.Time) bool {
	last, ok := scanned(g.Digest)
	switch {
	case !ok:
		return true
	case maxAge > 0 && !last.IsZero() && now.Sub(last) > maxAge:
		g.Kind, g.Reason = "stale", "last scanned "+last.UTC().Format(time.DateOnly)+", longer ago than max_scan_age"
		return true
	}
	return false
}
