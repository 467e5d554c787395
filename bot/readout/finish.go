package readout

import (
	"cmp"
	"math"
	"slices"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// finish turns the state at Until and the period's tallies into the read-out.
func (c *counter) finish() *Readout {
	c.tally()
	r := &Readout{Since: c.o.Since, Until: c.o.Until, Scope: c.o.Scope, Weeks: c.weeks, Coverage: c.o.Coverage}
	var open, pastDue [findings.Critical + 1]int
	var ages [findings.Critical + 1][4]int
	projects := map[string]*Ranked{}
	tiers := map[string]*TierRow{}
	for _, f := range c.findings {
		if !f.open || !c.scoped(f) {
			continue
		}
		f.issue.openInScope++
		open[f.severity]++
		ages[f.severity][ageBucket(c.o.Until.Sub(f.detected))]++
		g := c.rowOf(f.issue)
		g.open++
		p := projects[f.issue.project]
		if p == nil {
			p = &Ranked{Path: f.issue.project}
			projects[f.issue.project] = p
		}
		tr := tiers[f.issue.tier]
		if tr == nil {
			tr = &TierRow{Tier: f.issue.tier}
			tiers[f.issue.tier] = tr
		}
		p.Open++
		tr.Open++
		if c.pastDue(f) {
			pastDue[f.severity]++
			g.pastDue++
			p.PastDue++
			tr.PastDue++
		}
	}
	for _, s := range findings.Severities() {
		if c.filtersSeverity() && !c.sevs[s] {
			continue
		}
		t := &c.bySev[s]
		r.Severities = append(r.Severities, SeverityRow{Severity: s, Open: open[s], Age: ages[s], PastDue: pastDue[s],
			New: t.new, Fixed: t.fixed, Compliance: t.compliance(), MTTR: stats(t.days)})
		r.Headline.Open += open[s]
		r.Headline.PastDue += pastDue[s]
	}
	r.Headline.New, r.Headline.Fixed = c.all.new, c.all.fixed
	r.Headline.Compliance, r.Headline.MTTR = c.all.compliance(), stats(c.all.days)
	r.Exceptions = c.exceptions()
	r.Patches = c.patches()
	r.Groups, r.TopGroups = c.groupRows()
	r.TopProjects = top(projects, c.o.Top)
	for _, tr := range tiers {
		r.Tiers = append(r.Tiers, *tr)
	}
	slices.SortFunc(r.Tiers, func(a, b TierRow) int { return cmp.Compare(a.Tier, b.Tier) })
	return r
}

func (c *counter) pastDue(f *findingState) bool {
	due := f.dueDate()
	if due.IsZero() || c.o.Until.Before(deadline(due)) {
		return false
	}
	return !holds(f.issue.exception, f.issue.expires, c.o.Until)
}

func ageBucket(age time.Duration) int {
	switch days := age / day; {
	case days <= 30:
		return 0
	case days <= 90:
		return 1
	case days <= 180:
		return 2
	}
	return 3
}

func (t *tally) compliance() Compliance {
	c := Compliance{Resolved: t.resolved, WithinSLA: t.within}
	if t.resolved > 0 {
		c.Ratio = float64(t.within) / float64(t.resolved)
	}
	return c
}

// stats is the mean, the median (the mean of the middle two of an even
// count) and the 90th percentile by nearest rank (the ⌈0.9·n⌉-th smallest).
func stats(days []float64) Stats {
	n := len(days)
	if n == 0 {
		return Stats{}
	}
	s := slices.Clone(days)
	slices.Sort(s)
	sum := 0.0
	for _, d := range s {
		sum += d
	}
	median := s[n/2]
	if n%2 == 0 {
		median = (s[n/2-1] + s[n/2]) / 2
	}
	rank := int(math.Ceil(0.9*float64(n))) - 1
	return Stats{Count: n, MeanDays: sum / float64(n), MedianDays: median, P90Days: s[rank]}
}

// exceptions lists the exceptions in force at Until on issues in scope;
// with a severity filter, only those covering an open finding of it.
func (c *counter) exceptions() Exceptions {
	var ex Exceptions
	soon := c.o.Until.Add(c.o.ExpiringWithin)
	for key, is := range c.issues {
		if !holds(is.exception, is.expires, c.o.Until) || !c.issueScoped(is) || (c.filtersSeverity() && is.openInScope == 0) {
			continue
		}
		ex.Active++
		if is.exception == findings.AcceptedRisk && is.expires.Before(soon) {
			ex.Expiring++
		}
		ex.List = append(ex.List, Exception{Project: is.project, Group: key, Kind: is.exception, By: is.by,
			Expires: is.expires, Findings: is.openInScope})
	}
	slices.SortFunc(ex.List, func(a, b Exception) int {
		if a.Expires.IsZero() != b.Expires.IsZero() {
			return cmp.Compare(boolRank(a.Expires.IsZero()), boolRank(b.Expires.IsZero()))
		}
		return cmp.Or(a.Expires.Compare(b.Expires), cmp.Compare(a.Project, b.Project), cmp.Compare(a.Group, b.Group))
	})
	return ex
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// groupRows is the per-group table (groups with anything to show, by path)
// and the past-due ranking of groups.
func (c *counter) groupRows() ([]GroupRow, []Ranked) {
	var rows []GroupRow
	ranked := map[string]*Ranked{}
	for name, g := range c.groups {
		if g.open == 0 && g.new == 0 && g.fixed == 0 {
			continue
		}
		rows = append(rows, GroupRow{Group: name, Open: g.open, PastDue: g.pastDue, New: g.new, Fixed: g.fixed,
			Compliance: g.compliance(), MTTR: stats(g.days)})
		ranked[name] = &Ranked{Path: name, PastDue: g.pastDue, Open: g.open}
	}
	slices.SortFunc(rows, func(a, b GroupRow) int { return cmp.Compare(a.Group, b.Group) })
	return rows, top(ranked, c.o.Top)
}

// top ranks by past-due findings, most first, leaving out those with none.
func top(m map[string]*Ranked, n int) []Ranked {
	var out []Ranked
	for _, r := range m {
		if r.PastDue > 0 {
			out = append(out, *r)
		}
	}
	slices.SortFunc(out, func(a, b Ranked) int {
		return cmp.Or(cmp.Compare(b.PastDue, a.PastDue), cmp.Compare(b.Open, a.Open), cmp.Compare(a.Path, b.Path))
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}
