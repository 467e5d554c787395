package readout

import (
	"strings"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

const day = 24 * time.Hour

// issueState is what the history has said of one issue group so far.
type issueState struct {
	projectID int64
	project   string
	tier      string
	due       time.Time
	exception findings.ExceptionKind
	expires   time.Time
	by        string
	// openInScope is filled by finish. cachedFor is the project inProject
	// and row were worked out for: each was a lookup by path.
	openInScope int
	cachedFor   string
	cached      bool
	inProject   bool
	row         *groupTally
}

// findingState is what the history has said of one finding so far.
type findingState struct {
	fingerprint string
	issue       *issueState
	group       string
	severity    findings.Severity
	detected    time.Time
	due         time.Time
	open        bool
}

// tally is what happened in the period in one slice of the scope.
type tally struct {
	new, fixed       int
	resolved, within int
	days             []float64 // time to remediate of each fixed finding
}

func (t *tally) fix(ttr float64, due, at time.Time) {
	t.fixed++
	t.days = append(t.days, ttr)
	if !due.IsZero() {
		t.resolved++
		if at.Before(deadline(due)) {
			t.within++
		}
	}
}

type groupTally struct {
	tally
	open, pastDue int
}

// change is a detection or a resolution in the period, counted when the
// history is read to its end: an issue's tier is recorded after its
// findings' detection, and a finding counts under its latest scope.
type change struct {
	f        *findingState
	at       time.Time
	severity findings.Severity
	fixed    bool
	days     float64   // time to remediate, when fixed
	due      time.Time // due date at resolution
}

type mrKey struct {
	project int64
	iid     int64
}

type mrState struct {
	opened time.Time
	auto   bool
}

// patchOutcome is a merge request event of the period, counted when the
// scope is applied.
type patchOutcome struct {
	project  string
	severity findings.Severity
	kind     ledger.EventKind
	auto     bool // merged with auto-merge set
	timed    bool // merged, and its opening is in the history
	days     float64
}

// counter folds events into the read-out's numbers in one pass.
type counter struct {
	o        Options
	sevs     [findings.Critical + 1]bool // the severities in scope; all false: every one
	issues   map[string]*issueState
	findings map[string]*findingState
	projects map[int64]string
	inScope  map[string]bool   // project path → within Group and Project
	groupOf  map[string]string // project path → its per-group row
	bySev    [findings.Critical + 1]tally
	all      tally
	groups   map[string]*groupTally
	weeks    []Week
	monday   time.Time // of the first week
	changes  []change
	// issueSlab and findingSlab hand out states a block at a time: a
	// history of a million events has hundreds of thousands of each.
	issueSlab   []issueState
	findingSlab []findingState
	mrs         map[mrKey]*mrState
	patchLog    []patchOutcome
}

func newCounter(o Options) *counter {
	c := &counter{o: o, issues: map[string]*issueState{}, findings: map[string]*findingState{},
		projects: map[int64]string{}, inScope: map[string]bool{}, groupOf: map[string]string{},
		groups: map[string]*groupTally{}, mrs: map[mrKey]*mrState{}}
	for _, s := range o.Scope.Severities {
		if s >= 0 && s <= findings.Critical {
			c.sevs[s] = true
		}
	}
	c.monday = weekStart(o.Since)
	for w := c.monday; w.Before(o.Until); w = w.AddDate(0, 0, 7) {
		c.weeks = append(c.weeks, Week{Start: w})
	}
	c.weeks[0].Start = o.Since // a period starting mid-week starts its first week
	return c
}

const slabSize = 4096

func (c *counter) newIssue() *issueState {
	if len(c.issueSlab) == cap(c.issueSlab) {
		c.issueSlab = make([]issueState, 0, slabSize)
	}
	c.issueSlab = c.issueSlab[:len(c.issueSlab)+1]
	return &c.issueSlab[len(c.issueSlab)-1]
}

func (c *counter) newFinding() *findingState {
	if len(c.findingSlab) == cap(c.findingSlab) {
		c.findingSlab = make([]findingState, 0, slabSize)
	}
	c.findingSlab = c.findingSlab[:len(c.findingSlab)+1]
	return &c.findingSlab[len(c.findingSlab)-1]
}

// weekStart is the Monday 00:00 UTC of t's week.
func weekStart(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return midnight.AddDate(0, 0, -((int(midnight.Weekday()) + 6) % 7))
}

func (c *counter) add(e ledger.Event) {
	switch {
	case strings.HasPrefix(string(e.Kind), "finding."):
		c.finding(e)
	case strings.HasPrefix(string(e.Kind), "mr."):
		c.patch(e)
	default:
		c.issue(e)
	}
}

// issueOf returns the state of an event's issue group, remembering the
// scope the event names.
func (c *counter) issueOf(e ledger.Event) *issueState {
	is := c.issues[e.Group]
	if is == nil {
		is = c.newIssue()
		c.issues[e.Group] = is
	}
	if e.ProjectID != 0 {
		is.projectID = e.ProjectID
	}
	switch {
	case e.ProjectPath != "" && e.ProjectPath != is.project:
		is.project = e.ProjectPath
		c.projects[is.projectID] = e.ProjectPath // for events that name only the id
	case is.project == "":
		is.project = c.projects[is.projectID]
	}
	if e.Tier != "" {
		is.tier = e.Tier
	}
	return is
}

func (c *counter) issue(e ledger.Event) {
	is := c.issueOf(e)
	if !e.Due.IsZero() {
		is.due = e.Due
	}
	switch e.Kind {
	case ledger.EventExceptionGranted:
		is.exception, is.expires, is.by = findings.ExceptionKind(e.Detail), e.Expires, e.Actor
	case ledger.EventExceptionRevoked, ledger.EventExceptionExpired:
		is.exception, is.expires, is.by = "", time.Time{}, ""
	}
}

func (c *counter) finding(e ledger.Event) {
	f := c.findings[e.Fingerprint]
	if f == nil {
		f = c.newFinding()
		f.fingerprint, f.issue, f.group = e.Fingerprint, c.issueOf(e), e.Group
		c.findings[e.Fingerprint] = f
	} else if f.group != e.Group || (e.ProjectPath != "" && e.ProjectPath != f.issue.project) {
		f.issue, f.group = c.issueOf(e), e.Group
	}
	if !e.Due.IsZero() {
		f.due = e.Due
	}
	switch e.Kind {
	case ledger.EventDetected:
		f.severity = e.Severity
		if f.open {
			return
		}
		f.open, f.detected = true, e.At
		if c.counts(e.At) {
			c.changes = append(c.changes, change{f: f, at: e.At, severity: f.severity})
		}
	case ledger.EventSeverityChanged:
		f.severity = e.Severity
	case ledger.EventResolved:
		if !f.open {
			return
		}
		f.open = false
		if c.counts(e.At) {
			c.changes = append(c.changes, change{f: f, at: e.At, severity: f.severity, fixed: true,
				days: e.At.Sub(f.detected).Hours() / 24, due: f.dueDate()})
		}
	}
}

// dueDate is the finding's SLA due date: its own when an event named one,
// else its issue's.
func (f *findingState) dueDate() time.Time {
	if !f.due.IsZero() && (f.issue.due.IsZero() || f.due.Before(f.issue.due)) {
		return f.due
	}
	return f.issue.due
}

func (c *counter) counts(t time.Time) bool { return !t.Before(c.o.Since) }

func (c *counter) week(t time.Time) *Week {
	return &c.weeks[int(t.Sub(c.monday)/(7*day))]
}

// tally counts the period's detections and resolutions in scope.
func (c *counter) tally() {
	for _, ch := range c.changes {
		if (c.filtersSeverity() && !c.sevs[ch.severity]) || !c.issueScoped(ch.f.issue) {
			continue
		}
		g, w := &c.rowOf(ch.f.issue).tally, c.week(ch.at)
		for _, t := range []*tally{&c.all, &c.bySev[ch.severity], g} {
			if ch.fixed {
				t.fix(ch.days, ch.due, ch.at)
			} else {
				t.new++
			}
		}
		if ch.fixed {
			w.Fixed++
		} else {
			w.New++
		}
	}
}

func (c *counter) group(project string) *groupTally {
	name, ok := c.groupOf[project]
	if !ok {
		name = groupPath(project, c.o.GroupDepth)
		c.groupOf[project] = name
	}
	g := c.groups[name]
	if g == nil {
		g = &groupTally{}
		c.groups[name] = g
	}
	return g
}

// groupPath is the group a project's row is counted under: its namespace,
// cut to depth segments when depth is set.
func groupPath(project string, depth int) string {
	ns := project
	if i := strings.LastIndexByte(project, '/'); i >= 0 {
		ns = project[:i]
	}
	if depth <= 0 {
		return ns
	}
	parts := strings.SplitN(ns, "/", depth+1)
	if len(parts) > depth {
		parts = parts[:depth]
	}
	return strings.Join(parts, "/")
}

// scoped reports whether a finding is in the read-out's scope now.
func (c *counter) scoped(f *findingState) bool {
	if c.filtersSeverity() && !c.sevs[f.severity] {
		return false
	}
	return c.issueScoped(f.issue)
}

func (c *counter) filtersSeverity() bool { return len(c.o.Scope.Severities) > 0 }

func (c *counter) issueScoped(is *issueState) bool {
	if c.o.Scope.Tier != "" && is.tier != c.o.Scope.Tier {
		return false
	}
	c.cache(is)
	return is.inProject
}

// rowOf is the per-group row an issue's findings count in.
func (c *counter) rowOf(is *issueState) *groupTally {
	c.cache(is)
	return is.row
}

// cache works out once per project an issue is seen under whether it is in
// scope and which row it counts in.
func (c *counter) cache(is *issueState) {
	if is.cached && is.cachedFor == is.project {
		return
	}
	is.cached, is.cachedFor, is.inProject, is.row = true, is.project, c.projectScoped(is.project), c.group(is.project)
}

func (c *counter) projectScoped(project string) bool {
	in, ok := c.inScope[project]
	if !ok {
		s := c.o.Scope
		in = (s.Project == "" || project == s.Project) &&
			(s.Group == "" || strings.HasPrefix(project, strings.TrimSuffix(s.Group, "/")+"/"))
		c.inScope[project] = in
	}
	return in
}

func (c *counter) patch(e ledger.Event) {
	project := e.ProjectPath
	if project == "" {
		project = c.projects[e.ProjectID]
	}
	k := mrKey{e.ProjectID, e.MR}
	m := c.mrs[k]
	if m == nil {
		m = &mrState{}
		c.mrs[k] = m
	}
	if e.Kind == ledger.EventPatchOpened {
		m.opened, m.auto = e.At, e.Detail == "auto-merge"
	}
	if !c.counts(e.At) {
		return
	}
	o := patchOutcome{project: project, severity: e.Severity, kind: e.Kind, auto: m.auto}
	if e.Kind == ledger.EventPatchMerged && !m.opened.IsZero() {
		o.timed, o.days = true, e.At.Sub(m.opened).Hours()/24
	}
	c.patchLog = append(c.patchLog, o)
}

// patches is the period's merge request funnel in scope.
func (c *counter) patches() Patches {
	var p Patches
	var merge []float64
	for _, o := range c.patchLog {
		if !c.projectScoped(o.project) || (c.filtersSeverity() && !c.sevs[o.severity]) {
			continue
		}
		switch o.kind {
		case ledger.EventPatchOpened:
			p.Opened++
		case ledger.EventPatchMerged:
			p.Merged++
			if o.auto {
				p.AutoMerged++
			}
			if o.timed {
				merge = append(merge, o.days)
			}
		case ledger.EventPatchClosed:
			p.Closed++
		}
	}
	p.MedianDaysToMerge = stats(merge).MedianDays
	return p
}
