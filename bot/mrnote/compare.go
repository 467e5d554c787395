package mrnote

import (
	"cmp"
	"slices"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Entry is one finding as the note lists it.
type Entry struct {
	Job      string // the scanner job that reported it
	ID       string // findings.DisplayID
	Package  string
	Version  string
	Severity findings.Severity
	Fix      findings.FixState
	Versions []string // fix versions
}

// key identifies an entry across branches: the job, the package and the
// vulnerability; versions and images differ between branches by design.
func (e Entry) key() string { return e.Job + "\x00" + e.Package + "\x00" + e.ID }

// JobResult is what one scanner job of the merge request pipeline found,
// and what that job last found on the default branch.
type JobResult struct {
	Job      string
	Head     []Entry // the merge request pipeline's findings
	Base     []Entry // open findings of the default branch's last scan by the job
	HasBase  bool    // whether the default branch was ever scanned by this job
	Artifact string
}

// Diff is what the note says.
type Diff struct {
	Introduced []Entry
	Fixed      []Entry
	Unchanged  int
	NoBase     []string // jobs the default branch has never been scanned by
}

// Compare works out what the merge request introduces and fixes.
func Compare(results []JobResult) Diff {
	var d Diff
	for _, r := range results {
		if !r.HasBase {
			d.NoBase = append(d.NoBase, r.Job)
		}
		base := index(r.Base)
		head := index(r.Head)
		for k, e := range head {
			if _, ok := base[k]; ok {
				d.Unchanged++
			} else {
				d.Introduced = append(d.Introduced, e)
			}
		}
		for k, e := range base {
			if _, ok := head[k]; !ok {
				d.Fixed = append(d.Fixed, e)
			}
		}
	}
	sortEntries(d.Introduced)
	sortEntries(d.Fixed)
	slices.Sort(d.NoBase)
	return d
}

func index(es []Entry) map[string]Entry {
	out := make(map[string]Entry, len(es))
	for _, e := range es {
		if prev, ok := out[e.key()]; !ok || e.Severity > prev.Severity {
			out[e.key()] = e
		}
	}
	return out
}

// sortEntries puts the worst first, then by id and package.
func sortEntries(es []Entry) {
	slices.SortFunc(es, func(a, b Entry) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(a.ID, b.ID), cmp.Compare(a.Package, b.Package), cmp.Compare(a.Job, b.Job))
	})
}

// FromFinding is the entry of a finding a job reported.
func FromFinding(job string, f findings.Finding) Entry {
	return Entry{Job: job, ID: findings.DisplayID(f.Vulnerability.ID, f.Vulnerability.Aliases), Package: f.Package.Name,
		Version: f.Package.Version, Severity: f.Vulnerability.Severity, Fix: f.Fix.State, Versions: f.Fix.Versions}
}
