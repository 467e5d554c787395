package readout

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// checkpointVersion names the format of the counter's saved state and the
// way events fold into it. Change it with any change to what counter.add
// keeps or how: a checkpoint of another version is never read, so a
// changed counter never resumes from a state the old one made
// (TestCheckpointStateGolden fails until it is changed).
const checkpointVersion = 1

// savedState is the part of a counter's state that does not depend on the
// read-out's options: what every event before a time adds up to, as long
// as that time is at or before Since (the period's tallies are still
// empty then).
type savedState struct {
	Issues   []savedIssue
	Findings []savedFinding
	Projects []savedProject
	MRs      []savedMR
}

type savedIssue struct {
	Group, Project, Tier, Exception, By string
	ProjectID, Due, Expires             int64
}

type savedFinding struct {
	Fingerprint   string
	Issue         int // index in Issues: the issue of the finding's group
	Severity      int
	Detected, Due int64
	Open          bool
}

type savedProject struct {
	ID   int64
	Path string
}

type savedMR struct {
	Project, IID, Opened int64
	Auto                 bool
}

// unixNano and fromUnixNano keep a time in a checkpoint; the zero time is
// 0 (no event of a vulnerability ledger is at the Unix epoch).
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// save encodes the counter's state.
func (c *counter) save() ([]byte, error) {
	s := savedState{Issues: make([]savedIssue, 0, len(c.issues)), Findings: make([]savedFinding, 0, len(c.findings))}
	index := make(map[*issueState]int, len(c.issues))
	for g, is := range c.issues {
		index[is] = len(s.Issues)
		s.Issues = append(s.Issues, savedIssue{Group: g, Project: is.project, Tier: is.tier, Exception: string(is.exception),
			By: is.by, ProjectID: is.projectID, Due: unixNano(is.due), Expires: unixNano(is.expires)})
	}
	for fp, f := range c.findings {
		s.Findings = append(s.Findings, savedFinding{Fingerprint: fp, Issue: index[f.issue], Severity: int(f.severity),
			Detected: unixNano(f.detected), Due: unixNano(f.due), Open: f.open})
	}
	for id, p := range c.projects {
		s.Projects = append(s.Projects, savedProject{ID: id, Path: p})
	}
	for k, m := range c.mrs {
		s.MRs = append(s.MRs, savedMR{Project: k.project, IID: k.iid, Opened: unixNano(m.opened), Auto: m.auto})
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&s); err != nil {
		return nil, fmt.Errorf("encode read-out checkpoint: %w", err)
	}
	return buf.Bytes(), nil
}

// decodeState reads a saved state, checking that every finding names one
// of its issues.
func decodeState(state []byte) (*savedState, error) {
	var s savedState
	if err := gob.NewDecoder(bytes.NewReader(state)).Decode(&s); err != nil {
		return nil, fmt.Errorf("decode read-out checkpoint: %w", err)
	}
	for _, sf := range s.Findings {
		if sf.Issue < 0 || sf.Issue >= len(s.Issues) {
			return nil, fmt.Errorf("decode read-out checkpoint: finding %s names issue %d of %d", sf.Fingerprint, sf.Issue, len(s.Issues))
		}
	}
	return &s, nil
}

// restore makes a fresh counter's state the saved one.
func (c *counter) restore(s *savedState) {
	issues := make([]*issueState, len(s.Issues))
	c.issues = make(map[string]*issueState, len(s.Issues))
	for i, si := range s.Issues {
		is := c.newIssue()
		*is = issueState{projectID: si.ProjectID, project: si.Project, tier: si.Tier, due: fromUnixNano(si.Due),
			exception: findings.ExceptionKind(si.Exception), expires: fromUnixNano(si.Expires), by: si.By}
		c.issues[si.Group], issues[i] = is, is
	}
	c.findings = make(map[string]*findingState, len(s.Findings))
	for _, sf := range s.Findings {
		f := c.newFinding()
		*f = findingState{fingerprint: sf.Fingerprint, issue: issues[sf.Issue], group: s.Issues[sf.Issue].Group, severity: findings.Severity(sf.Severity),
			detected: fromUnixNano(sf.Detected), due: fromUnixNano(sf.Due), open: sf.Open}
		c.findings[sf.Fingerprint] = f
	}
	for _, p := range s.Projects {
		c.projects[p.ID] = p.Path
	}
	for _, m := range s.MRs {
		c.mrs[mrKey{m.Project, m.IID}] = &mrState{opened: fromUnixNano(m.Opened), auto: m.Auto}
	}
}

// savedSegment is what one month added to a read-out whose period
// includes it: its detections and resolutions and its merge request
// events, before any scope is applied.
type savedSegment struct {
	Changes []savedChange
	Patches []savedPatch
}

type savedChange struct {
	Fingerprint string
	At, Due     int64
	Severity    int
	Fixed       bool
	Days        float64
}

type savedPatch struct {
	Project     string
	Kind        string
	Severity    int
	Auto, Timed bool
	Days        float64
}

// saveSegment encodes the changes and merge request events from the
// given indexes on.
func (c *counter) saveSegment(changes, patches int) ([]byte, error) {
	var s savedSegment
	for _, ch := range c.changes[changes:] {
		s.Changes = append(s.Changes, savedChange{Fingerprint: ch.f.fingerprint, At: unixNano(ch.at), Due: unixNano(ch.due),
			Severity: int(ch.severity), Fixed: ch.fixed, Days: ch.days})
	}
	for _, o := range c.patchLog[patches:] {
		s.Patches = append(s.Patches, savedPatch{Project: o.project, Kind: string(o.kind), Severity: int(o.severity),
			Auto: o.auto, Timed: o.timed, Days: o.days})
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&s); err != nil {
		return nil, fmt.Errorf("encode read-out segment: %w", err)
	}
	return buf.Bytes(), nil
}

// addSegment appends a saved month to the counter's period; its findings
// must be in the counter's state.
func (c *counter) addSegment(segment []byte) error {
	var s savedSegment
	if err := gob.NewDecoder(bytes.NewReader(segment)).Decode(&s); err != nil {
		return fmt.Errorf("decode read-out segment: %w", err)
	}
	for _, sc := range s.Changes {
		f := c.findings[sc.Fingerprint]
		if f == nil {
			return fmt.Errorf("decode read-out segment: finding %s is not in the state", sc.Fingerprint)
		}
		c.changes = append(c.changes, change{f: f, at: fromUnixNano(sc.At), severity: findings.Severity(sc.Severity),
			fixed: sc.Fixed, days: sc.Days, due: fromUnixNano(sc.Due)})
	}
	for _, sp := range s.Patches {
		c.patchLog = append(c.patchLog, patchOutcome{project: sp.Project, severity: findings.Severity(sp.Severity),
			kind: ledger.EventKind(sp.Kind), auto: sp.Auto, timed: sp.Timed, days: sp.Days})
	}
	return nil
}
