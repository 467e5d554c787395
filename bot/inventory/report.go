package inventory

import (
	"sort"
	"strings"
	"time"
)

// Report is an inventory run as the command prints it.
type Report struct {
	Sources []SourceStatus `json:"sources"`
	Assets  []Asset        `json:"assets"`
	Gaps    []Gap          `json:"gaps,omitempty"`
	// running maps a digest to where it runs, for the registry rows.
	running map[string][]string
}

// SourceStatus is one source's outcome.
type SourceStatus struct {
	Source string  `json:"source"`
	Type   string  `json:"type"`
	Assets int     `json:"assets"`
	Error  string  `json:"error,omitempty"`
	Took   float64 `json:"took_seconds"`
}

// NewReport applies rules to the results' assets; with gaps it also lists
// the coverage gaps (scanned as for Gaps).
func NewReport(results []Result, rules Rules, gaps bool, scanned Scanned) Report {
	assets := Assets(results)
	rules.Apply(assets)
	r := Report{Assets: assets, running: map[string][]string{}}
	for _, res := range results {
		st := SourceStatus{Source: res.Source, Type: res.Type, Assets: len(res.Assets), Took: res.Took.Seconds()}
		if res.Err != nil {
			st.Error = res.Err.Error()
		}
		r.Sources = append(r.Sources, st)
	}
	for _, a := range assets {
		if a.Kind == KindCluster && a.Digest != "" {
			r.running[a.Digest] = append(r.running[a.Digest], a.Running.Where())
		}
	}
	for d := range r.running {
		sort.Strings(r.running[d])
	}
	if gaps {
		r.Gaps = Gaps(results, assets, scanned, rules.MaxScanAge, time.Now())
	}
	return r
}

// Where is where a's digest runs: its own place for a running container,
// every place its digest runs for a registry image.
func (r Report) Where(a Asset) string {
	if a.Running != nil {
		return a.Running.Where()
	}
	return strings.Join(r.running[a.Digest], " ")
}
