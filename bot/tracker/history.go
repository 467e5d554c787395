package tracker

import (
	"context"
	"slices"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/sla"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// findingEvents are the history of one finding's new record beside its
// previous one (prev nil: never seen before).
func findingEvents(prev *ledger.Finding, rec ledger.Finding, now time.Time) []ledger.Event {
	ev := func(kind ledger.EventKind, detail string) ledger.Event {
		return ledger.Event{At: now, Kind: kind, Fingerprint: rec.Fingerprint, Group: rec.Group, ProjectID: rec.ProjectID,
			ProjectPath: rec.ProjectPath, Severity: rec.Severity, Actor: ledger.ActorBot, Detail: detail}
	}
	switch {
	case prev == nil:
		return []ledger.Event{ev(ledger.EventDetected, rec.FixState)}
	case prev.Status != ledger.FindingOpen:
		return []ledger.Event{ev(ledger.EventDetected, "again")}
	}
	var out []ledger.Event
	if prev.Severity != rec.Severity {
		out = append(out, ev(ledger.EventSeverityChanged, prev.Severity.String()))
	}
	if prev.FixState != rec.FixState {
		out = append(out, ev(ledger.EventFixStateChanged, rec.FixState))
	}
	return out
}

// issueEvent is an event of an issue's history, with the scope the
// read-outs count it in: project, tier, worst severity and due date.
func issueEvent(kind ledger.EventKind, is ledger.Issue, path string, g *group, now time.Time, actor, detail string) ledger.Event {
	e := ledger.Event{At: now, Kind: kind, Group: is.Group, ProjectID: is.ProjectID, ProjectPath: path, Due: is.Due,
		Actor: actor, Expires: is.ExceptionExpires}
	if g != nil {
		e.Tier, e.Severity = g.Tier, g.Severity
	}
	e.Detail = detail
	if kind == ledger.EventExceptionGranted {
		e.Detail = string(is.Exception)
	}
	return e
}

// stageEvent is the event of an SLA stage newly reached, if any.
func stageEvent(stage int) (ledger.EventKind, bool) {
	switch sla.Stage(stage) {
	case sla.NearBreach:
		return ledger.EventNearBreach, true
	case sla.Breached:
		return ledger.EventBreached, true
	}
	return "", false
}

// strictestTier is the tier a group is counted under: the first of the
// policy's tiers it has (the order the policy file ranks them in), else
// the first it has by name.
func strictestTier(c *sla.Config, tiers []string) string {
	for _, t := range c.Tiers {
		if slices.Contains(tiers, t.Tier) {
			return t.Tier
		}
	}
	if len(tiers) == 0 {
		return ""
	}
	return slices.Min(tiers)
}

// event queues an event of the run's issue, written with its next record.
func (r *run) event(kind ledger.EventKind, actor, detail string) {
	r.events = append(r.events, issueEvent(kind, r.is, r.path, r.g, r.now, actor, detail))
	if kind == ledger.EventIssueOpened {
		r.recordedDue = r.is.Due
	}
}

// record writes the run's issue with the events queued since its last
// record, and a due date moved (severity rose) as an event of its own.
func (t *Tracker) record(ctx context.Context, r *run) error {
	if r.is.IID != 0 && !r.recordedDue.IsZero() && !r.is.Due.Equal(r.recordedDue) {
		r.event(ledger.EventDueChanged, ledger.ActorBot, "")
	}
	if err := t.ledger.RecordIssue(ctx, r.is, r.events...); err != nil {
		return err
	}
	r.events, r.recordedDue = nil, r.is.Due
	return nil
}

// exceptionEvent is the event of an exception command's change.
func exceptionEvent(before findings.ExceptionKind, is ledger.Issue) ledger.EventKind {
	if is.Exception == "" && before != "" {
		return ledger.EventExceptionRevoked
	}
	return ledger.EventExceptionGranted
}
