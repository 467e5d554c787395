package tracker

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"strings"
	"text/template"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/markdown"
	"gitlab.com/vigil-vm/vigil/bot/sla"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

//go:embed description.md.tmpl
var descriptionText string

var descriptionTmpl = template.Must(template.New("description").Funcs(template.FuncMap{
	"join":    strings.Join,
	"inline":  markdown.Inline,
	"text":    markdown.Text,
	"code":    markdown.Code,
	"vulnKey": vulnKey,
	"date":    func(t time.Time) string { return t.UTC().Format(time.DateOnly) },
	"short": func(d string) string {
		if len(d) > 19 {
			return d[:19] + "…"
		}
		return d
	},
	"fixText": func(s string) string {
		switch findings.ParseFixState(s) {
		case findings.FixAvailable:
			return "available"
		case findings.FixUnavailable:
			return "not available yet"
		case findings.FixWontFix:
			return "will not be fixed by the vendor"
		}
		return "unknown"
	},
	"locations": func(e entry) string {
		var out []string
		for _, l := range e.rec.Finding.Package.Locations {
			out = append(out, "`"+markdown.Code(l.Path)+"`")
		}
		if len(out) == 0 { // GitLab's container scanning reports name no path
			return "—"
		}
		return strings.Join(out, ", ")
	},
}).Parse(descriptionText))

// desired is the state an issue should have.
type desired struct {
	Title       string
	Description string
	Labels      []string
	Due         time.Time
	Assignees   []string
	Hash        string // over everything but volatile description detail
}

// sched is the SLA schedule of an issue.
type sched struct {
	Start time.Time
	Due   time.Time
	Stage sla.Stage
}

// schedule computes the SLA of a group: the clock starts once (first
// detection or fix availability) and the due date moves earlier when severity
// rises, never later.
func schedule(pol sla.Policy, g *group, is ledger.Issue, now time.Time) sched {
	s := sched{Start: is.ClockStart, Due: is.Due}
	if s.Start.IsZero() {
		start, ok := pol.ClockStarts(g.FirstSeen, g.FixSince)
		if !ok {
			return s
		}
		s.Start = start
	}
	due := pol.Due(g.Severity, s.Start, g.KEVDue)
	if s.Due.IsZero() || due.Before(s.Due) {
		s.Due = due
	}
	s.Stage = pol.StageAt(now, s.Due)
	return s
}

// exceptionHolds reports whether a recorded exception covers the issue now.
func exceptionHolds(is ledger.Issue, now time.Time) bool {
	switch is.Exception {
	case findings.FalsePositive:
		return true
	case findings.AcceptedRisk:
		return now.Before(is.ExceptionExpires)
	}
	return false
}

func (t *Tracker) render(pol sla.Policy, g *group, is ledger.Issue, s sched, now time.Time) (desired, error) {
	d := desired{Title: markdown.Title(g.Title()), Due: s.Due}
	facts := sla.Facts{Severity: g.Severity, FixState: g.FixState, Exploited: g.Exploited, Deviation: is.Deviation}
	if exceptionHolds(is, now) {
		facts.Exception = is.Exception
	} else {
		facts.Stage = s.Stage
	}
	d.Labels = pol.LabelsFor(facts)
	d.Assignees = pol.AssigneesFor(g.ProjectPath, g.Images)

	var fps []string
	for _, e := range g.All {
		fps = append(fps, e.Fingerprint)
	}
	var slaText string
	class := sla.Class(g.Severity)
	switch {
	case s.Due.IsZero():
		slaText = fmt.Sprintf("%s: remediate within %d days once a fix is available; the clock has not started", g.Severity, pol.Days[class])
	default:
		rule := "first detection"
		if pol.ClockStart == sla.ClockFixAvailable {
			rule = "fix availability"
		}
		slaText = fmt.Sprintf("%s: remediate within %d days", g.Severity, pol.Days[class])
		if class == "critical" && pol.MitigateHours > 0 {
			slaText += fmt.Sprintf(" (mitigate within %d h)", pol.MitigateHours)
		}
		slaText += fmt.Sprintf("; **due %s** (clock started %s at %s", s.Due.Format(time.DateOnly), s.Start.UTC().Format(time.DateOnly), rule)
		if g.KEVDue != "" {
			slaText += "; no later than the CISA KEV due date"
		}
		slaText += ")"
	}
	var exc string
	switch is.Exception {
	case findings.AcceptedRisk:
		exc = fmt.Sprintf("risk accepted by @%s until %s: %s", markdown.Inline(is.ExceptionBy), is.ExceptionExpires.UTC().Format(time.DateOnly), markdown.Inline(is.ExceptionReason))
	case findings.FalsePositive:
		exc = fmt.Sprintf("false positive according to @%s: %s", markdown.Inline(is.ExceptionBy), markdown.Inline(is.ExceptionReason))
	}
	var buf bytes.Buffer
	err := descriptionTmpl.Execute(&buf, map[string]any{
		"Group": g, "Marker": t.markers.group(g.Key), "Title": markdown.Inline(d.Title), "Fingerprints": strings.Join(fps, " "),
		"SLA": slaText, "Exception": exc,
	})
	if err != nil {
		return d, fmt.Errorf("render issue of group %s: %w", g.Key, err)
	}
	d.Description = markdown.Truncate(buf.String(), markdown.MaxText)

	h := sha256.New()
	for _, part := range [][]string{{d.Title, dateString(d.Due), g.FixState, string(is.Exception), is.ExceptionReason, dateString(is.ExceptionExpires)},
		d.Labels, d.Assignees, g.Images, g.Versions, g.FixVersions, fps, g.Running} {
		for _, p := range part {
			h.Write([]byte(p))
			h.Write([]byte{0})
		}
		h.Write([]byte{1})
	}
	d.Hash = hex.EncodeToString(h.Sum(nil))[:32]
	return d, nil
}

func dateString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}
