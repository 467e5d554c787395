package sla

import (
	"strings"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Clock-start rules: when the remediation clock of a finding starts.
const (
	ClockFirstSeen    = "first-seen"
	ClockFixAvailable = "fix-available"
)

// Grouping rules: which findings share one tracking issue.
const (
	GroupByVulnerability = "vulnerability" // project + package + vulnerability, across images
	GroupByPackage       = "package"       // project + package
	GroupByImage         = "image"         // project + image + package + vulnerability
)

// Policy is the SLA policy of one project. Every label name and day count is
// configuration; Default returns GitLab's published defaults.
type Policy struct {
	// Days to remediate, by severity class: critical, high, medium, low.
	// Unknown and negligible findings count as low.
	Days map[string]int `yaml:"days"`
	// MitigateHours is the mitigation window for critical findings, stated in
	// the issue; 0 states none.
	MitigateHours int `yaml:"mitigate_hours"`
	// NearBreachDays is how long before the due date an issue is near breach.
	NearBreachDays int `yaml:"near_breach_days"`
	// ClockStart is first-seen or fix-available.
	ClockStart string `yaml:"clock_start"`
	// GroupBy is vulnerability, package or image.
	GroupBy string `yaml:"group_by"`
	// Confidential makes new issues confidential.
	Confidential bool `yaml:"confidential"`
	// ExceptionRole is the least project role allowed to record exceptions:
	// guest, reporter, developer, maintainer or owner.
	ExceptionRole string `yaml:"exception_role"`
	// Assignees maps project or image patterns to GitLab usernames.
	Assignees []Assignment `yaml:"assignees"`
	// Labels names every label the bot applies.
	Labels Labels `yaml:"labels"`
}

// Assignment assigns issues whose project path or image repository matches
// Pattern (a path.Match glob) to Users.
type Assignment struct {
	Pattern string   `yaml:"pattern"`
	Users   []string `yaml:"users"`
}

// Labels names the labels of the policy. Colors maps a label name to its
// color for labels the bot creates.
type Labels struct {
	Always           []string          `yaml:"always"`
	Severity         map[string]string `yaml:"severity"`
	Priority         map[string]string `yaml:"priority"`
	FixAvailable     string            `yaml:"fix_available"`
	FixUnavailable   string            `yaml:"fix_unavailable"`
	WontFix          string            `yaml:"wont_fix"`
	Exploited        string            `yaml:"exploited"`
	NearBreach       string            `yaml:"near_breach"`
	Breached         string            `yaml:"breached"`
	ProcessDeviation string            `yaml:"process_deviation"`
	AcceptedRisk     string            `yaml:"accepted_risk"`
	FalsePositive    string            `yaml:"false_positive"`
	CoverageGap      string            `yaml:"coverage_gap"` // the issue listing a project's images no scan covers
	Colors           map[string]string `yaml:"colors"`
}

// Default follows GitLab's published vulnerability-management standard (the README's SLA table).
func Default() Policy {
	return Policy{
		Days:           map[string]int{"critical": 30, "high": 30, "medium": 90, "low": 180},
		MitigateHours:  24,
		NearBreachDays: 14,
		ClockStart:     ClockFirstSeen,
		GroupBy:        GroupByVulnerability,
		Confidential:   true,
		ExceptionRole:  "maintainer",
		Labels: Labels{
			Always: []string{"security", "bug::vulnerability"},
			Severity: map[string]string{
				"critical": "severity::1", "high": "severity::2", "medium": "severity::3", "low": "severity::4",
			},
			Priority: map[string]string{
				"critical": "priority::1", "high": "priority::2", "medium": "priority::3", "low": "priority::4",
			},
			FixAvailable:     "Vulnerability::Vendor Package::Fix Available",
			FixUnavailable:   "Vulnerability::Vendor Package::Fix Unavailable",
			WontFix:          "Vulnerability::Vendor Package::Will Not Be Fixed",
			Exploited:        "Vulnerability Impact::Public Exploitation::Exploited",
			NearBreach:       "SLA::Near Breach",
			Breached:         "SLA::Breached",
			ProcessDeviation: "Vulnerability Management::Process Deviation",
			AcceptedRisk:     "Vulnerability Management::Accepted Risk",
			FalsePositive:    "Vulnerability Management::False Positive",
			CoverageGap:      "Vulnerability Management::Coverage Gap",
			Colors: map[string]string{
				"security":           "#d9534f",
				"bug::vulnerability": "#d9534f",
				"severity::1":        "#cc0000",
				"severity::2":        "#ed9121",
				"severity::3":        "#f0ad4e",
				"severity::4":        "#5cb85c",
				"priority::1":        "#cc0000",
				"priority::2":        "#ed9121",
				"priority::3":        "#f0ad4e",
				"priority::4":        "#5cb85c",
				"SLA::Near Breach":   "#f0ad4e",
				"SLA::Breached":      "#cc0000",
			},
		},
	}
}

// Class names the severity class a severity is timed by.
func Class(s findings.Severity) string {
	switch s {
	case findings.Critical:
		return "critical"
	case findings.High:
		return "high"
	case findings.Medium:
		return "medium"
	default:
		return "low"
	}
}

// Color is the color of a label the bot creates.
func (p *Policy) Color(label string) string {
	if c, ok := p.Labels.Colors[label]; ok {
		return c
	}
	return "#6699cc"
}

// Stage is where an issue stands against its due date.
type Stage int

// Stages, in the order an issue passes through them.
const (
	InTime Stage = iota
	NearBreach
	Breached
)

func (s Stage) String() string {
	switch s {
	case NearBreach:
		return "near-breach"
	case Breached:
		return "breached"
	default:
		return "in-time"
	}
}

// Due is the date by which a finding of severity sev must be remediated when
// its clock started at start. A known-exploited vulnerability is due no later
// than its KEV due date (YYYY-MM-DD). The result is a calendar date at UTC
// midnight.
func (p *Policy) Due(sev findings.Severity, start time.Time, kevDue string) time.Time {
	days := p.Days[Class(sev)]
	d := Date(start).AddDate(0, 0, days)
	if kevDue != "" {
		if k, err := time.Parse(time.DateOnly, kevDue); err == nil && k.Before(d) {
			d = k
		}
	}
	return d
}

// ClockStarts reports when the clock of a finding starts: at first detection,
// or, under the fix-available rule, when a fix became known (fixSince zero:
// the clock has not started).
func (p *Policy) ClockStarts(firstSeen, fixSince time.Time) (time.Time, bool) {
	if p.ClockStart == ClockFixAvailable {
		return fixSince, !fixSince.IsZero()
	}
	return firstSeen, true
}

// StageAt is the stage of an issue due on due at time now. An issue is near
// breach NearBreachDays before its due date and breached the day after it.
func (p *Policy) StageAt(now, due time.Time) Stage {
	if due.IsZero() {
		return InTime
	}
	today := Date(now)
	switch {
	case today.After(Date(due)):
		return Breached
	case !today.Before(Date(due).AddDate(0, 0, -p.NearBreachDays)):
		return NearBreach
	default:
		return InTime
	}
}

// Date truncates t to its UTC calendar date.
func Date(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// FixLabel is the label of a fix state, empty when the state is unknown.
func (p *Policy) FixLabel(state string) string {
	switch findings.ParseFixState(state) {
	case findings.FixAvailable:
		return p.Labels.FixAvailable
	case findings.FixUnavailable:
		return p.Labels.FixUnavailable
	case findings.FixWontFix:
		return p.Labels.WontFix
	}
	return ""
}

// Facts are what the labels of one issue depend on.
type Facts struct {
	Severity  findings.Severity
	FixState  string
	Exploited bool
	Stage     Stage
	Deviation bool
	Exception findings.ExceptionKind
}

// LabelsFor returns the labels an issue with these facts carries, without
// duplicates and in a stable order.
func (p *Policy) LabelsFor(f Facts) []string {
	l := p.Labels
	out := append([]string(nil), l.Always...)
	c := Class(f.Severity)
	out = append(out, l.Severity[c], l.Priority[c], p.FixLabel(f.FixState))
	if f.Exploited {
		out = append(out, l.Exploited)
	}
	switch f.Stage {
	case NearBreach:
		out = append(out, l.NearBreach)
	case Breached:
		out = append(out, l.Breached)
	}
	if f.Deviation {
		out = append(out, l.ProcessDeviation)
	}
	switch f.Exception {
	case findings.AcceptedRisk:
		out = append(out, l.AcceptedRisk)
	case findings.FalsePositive:
		out = append(out, l.FalsePositive)
	}
	seen := map[string]bool{}
	res := out[:0]
	for _, s := range out {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		res = append(res, s)
	}
	return res
}

// Owned lists every label this policy manages; labels outside it that a
// person added are left alone.
func (p *Policy) Owned() []string {
	l := p.Labels
	out := append([]string(nil), l.Always...)
	for _, m := range []map[string]string{l.Severity, l.Priority} {
		for _, v := range m {
			out = append(out, v)
		}
	}
	return append(out, l.FixAvailable, l.FixUnavailable, l.WontFix, l.Exploited, l.NearBreach,
		l.Breached, l.ProcessDeviation, l.AcceptedRisk, l.FalsePositive)
}

// AccessLevel is the numeric GitLab access level of the exception role.
func (p *Policy) AccessLevel() int {
	switch strings.ToLower(p.ExceptionRole) {
	case "guest":
		return 10
	case "reporter":
		return 20
	case "developer":
		return 30
	case "owner":
		return 50
	default:
		return 40
	}
}
