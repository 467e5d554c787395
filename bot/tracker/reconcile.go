package tracker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/budget"
	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/markdown"
	"gitlab.com/vigil-vm/vigil/bot/sla"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// perGroup is the time a job's budget grows by for each group it
// reconciles: a few GitLab writes, with room for rate limits.
const perGroup = time.Second

// Issue states as GitLab names them.
const (
	stateOpened = "opened"
	stateClosed = "closed"
)

// Reconcile brings every issue of a project in line with the ledger. It is
// idempotent: run again after a crash, it finishes what was left undone and
// writes nothing for what is already true.
func (t *Tracker) Reconcile(ctx context.Context, projectID int64, projectPath string) error {
	groups, err := t.ledger.ProjectGroups(ctx, projectID)
	if err != nil {
		return err
	}
	// Each group may cost a few writes: the job's time grows with them.
	budget.Extend(ctx, time.Duration(len(groups))*perGroup)
	var errs []error
	for _, g := range groups {
		if err := t.reconcileGroup(ctx, projectID, projectPath, g); err != nil {
			errs = append(errs, fmt.Errorf("reconcile group %s: %w", g, err))
			if ctx.Err() != nil {
				break
			}
		}
	}
	return errors.Join(errs...)
}

func (t *Tracker) loadIssue(ctx context.Context, projectID int64, group string) (ledger.Issue, error) {
	is, err := t.ledger.Issue(ctx, group)
	if ledger.IsNotFound(err) {
		return ledger.Issue{Group: group, ProjectID: projectID}, nil
	}
	return is, err
}

// run is one reconciliation of a group: what the ledger says, what the
// issue should show, and the notes still to post.
type run struct {
	projectID int64
	path      string
	pol       sla.Policy
	now       time.Time
	g         *group
	is        ledger.Issue
	s         sched
	d         desired
	holds     bool
	notes     []string
	// events wait for the issue's next record; recordedDue is the due
	// date the ledger holds.
	events      []ledger.Event
	recordedDue time.Time
}

func (r *run) wantOpen() bool { return len(r.g.Open) > 0 }

// transition is what reconciling does to an issue.
type transition int

const (
	leave transition = iota
	update
	closeIt
	reopen
)

// nextTransition decides, from the state the bot last left the issue in,
// whether a finding of the group is detected, whether an exception holds and
// whether the content changed.
func nextTransition(state string, wantOpen, holds, changed bool) transition {
	switch {
	case state == stateOpened && wantOpen && changed:
		return update
	case state == stateOpened && !wantOpen:
		return closeIt
	case state == stateClosed && wantOpen && !holds:
		return reopen
	}
	return leave
}

func (t *Tracker) reconcileGroup(ctx context.Context, projectID int64, projectPath, key string) error {
	r, err := t.prepare(ctx, projectID, projectPath, key)
	if err != nil {
		return err
	}
	if r.is.IID == 0 {
		if !r.wantOpen() {
			return nil
		}
		created, err := t.openOrAdopt(ctx, r)
		if err != nil || created {
			return err
		}
	}
	if err := t.transition(ctx, r); err != nil {
		return err
	}
	for _, n := range r.notes {
		if err := t.note(ctx, projectID, r.is.IID, n); err != nil {
			return err
		}
	}
	return t.remindAndRecord(ctx, r, r.holds || !r.wantOpen())
}

// prepare reads the group from the ledger, ends an expired acceptance and
// renders what the issue should show.
func (t *Tracker) prepare(ctx context.Context, projectID int64, projectPath, key string) (*run, error) {
	r := &run{projectID: projectID, path: projectPath, pol: t.policy(projectPath), now: t.now().UTC()}
	fs, err := t.ledger.GroupFindings(ctx, key)
	if err != nil {
		return nil, err
	}
	if r.is, err = t.loadIssue(ctx, projectID, key); err != nil {
		return nil, err
	}
	r.recordedDue = r.is.Due
	r.g = newGroup(key, projectPath, r.pol.GroupBy, fs)
	if err := t.addRunning(ctx, r.g); err != nil {
		return nil, err
	}
	if r.pol, err = t.tierPolicy(ctx, r.g); err != nil {
		return nil, err
	}
	if r.is.Exception == findings.AcceptedRisk && !r.now.Before(r.is.ExceptionExpires) {
		// Expired: the SLA restarts now, per policy, and the issue is tracked again.
		r.event(ledger.EventExceptionExpired, ledger.ActorBot, "")
		r.notes = append(r.notes, fmt.Sprintf("The accepted risk recorded by @%s expired on %s. The SLA restarts today.",
			markdown.Inline(r.is.ExceptionBy), r.is.ExceptionExpires.UTC().Format(time.DateOnly)))
		r.is.Exception, r.is.ExceptionReason, r.is.ExceptionExpires, r.is.ExceptionBy = "", "", time.Time{}, ""
		r.is.ClockStart, r.is.Due, r.is.Reminded = r.now, time.Time{}, 0
		r.is.Hash = "" // the labels change
	}
	return r, t.rerender(r)
}

// rerender schedules and renders the issue from the run's ledger record.
func (t *Tracker) rerender(r *run) error {
	r.holds = exceptionHolds(r.is, r.now)
	r.s = schedule(r.pol, r.g, r.is, r.now)
	r.is.ClockStart, r.is.Due = r.s.Start, r.s.Due
	var err error
	r.d, err = t.render(r.pol, r.g, r.is, r.s, r.now)
	return err
}

// openOrAdopt gives a group without an issue one: the bot's own issue from
// before a lost ledger, or a new one. It returns true when it created the
// issue, which leaves nothing else to do.
func (t *Tracker) openOrAdopt(ctx context.Context, r *run) (bool, error) {
	found, err := t.adopt(ctx, r.projectID, r.g.Key)
	if err != nil {
		return false, err
	}
	if found != nil {
		t.log.Info("adopted issue by marker", "project", r.path, "iid", found.IID, "group", r.g.Key)
		if err := t.recoverIssue(ctx, r.pol, found, &r.is); err != nil {
			return false, err
		}
		return false, t.rerender(r)
	}
	iid, err := t.create(ctx, r.projectID, r.pol, r.d)
	if err != nil {
		return false, err
	}
	r.is.IID, r.is.State, r.is.Hash = iid, stateOpened, r.d.Hash
	t.log.Info("opened issue", "project", r.path, "iid", iid, "title", r.d.Title)
	r.event(ledger.EventIssueOpened, ledger.ActorBot, "")
	if err := t.record(ctx, r); err != nil {
		return false, err
	}
	return true, t.remindAndRecord(ctx, r, r.holds)
}

// transition writes the issue's next state. The closing note goes before the
// close, once: a close whose response is lost is retried without losing or
// repeating it.
func (t *Tracker) transition(ctx context.Context, r *run) error {
	is := &r.is
	switch nextTransition(is.State, r.wantOpen(), r.holds, r.d.Hash != is.Hash) {
	case update:
		if err := t.edit(ctx, r.projectID, is.IID, r.pol, r.d, ""); err != nil {
			return err
		}
		is.Hash = r.d.Hash
	case closeIt:
		is.Deviation = false
		if err := t.rerender(r); err != nil {
			return err
		}
		if err := t.noteOnce(ctx, r.projectID, is.IID, closingMarker, "No longer detected by "+markdown.Inline(resolvedBy(r.g))+". Closing."); err != nil {
			return err
		}
		if err := t.edit(ctx, r.projectID, is.IID, r.pol, r.d, "close"); err != nil {
			return err
		}
		is.State, is.Hash = stateClosed, r.d.Hash
		t.log.Info("closed issue", "project", r.path, "iid", is.IID)
		r.event(ledger.EventClosedByBot, ledger.ActorBot, "")
		return t.record(ctx, r)
	case reopen:
		if err := t.edit(ctx, r.projectID, is.IID, r.pol, r.d, "reopen"); err != nil {
			return err
		}
		is.State, is.Hash = stateOpened, r.d.Hash
		r.event(ledger.EventReopened, ledger.ActorBot, "detected again")
		if err := t.record(ctx, r); err != nil {
			return err
		}
		t.log.Info("reopened issue", "project", r.path, "iid", is.IID)
		r.notes = append(r.notes, "Detected again by "+markdown.Inline(lastSeenBy(r.g))+". Reopening.")
	}
	return nil
}

// remindAndRecord posts a due reminder and records the issue; a failed
// reminder is retried with the job, after the record is kept.
func (t *Tracker) remindAndRecord(ctx context.Context, r *run, quiet bool) error {
	stage, rerr := t.remind(ctx, r.projectID, r.is, r.d, r.s, quiet)
	if kind, ok := stageEvent(stage); ok && stage != r.is.Reminded {
		r.event(kind, ledger.ActorBot, "")
	}
	r.is.Reminded = stage
	if err := t.record(ctx, r); err != nil {
		return err
	}
	return rerr
}

// remind posts the one reminder of an SLA stage the issue has newly reached
// and returns the stage reminded. A stage skipped (in time straight to
// breached) gets no reminder of its own.
func (t *Tracker) remind(ctx context.Context, projectID int64, is ledger.Issue, d desired, s sched, quiet bool) (int, error) {
	if quiet || is.State != stateOpened || int(s.Stage) <= is.Reminded || s.Stage == sla.InTime {
		return is.Reminded, nil
	}
	var mentions []string
	for _, u := range d.Assignees {
		mentions = append(mentions, "@"+u) // the policy's assignees: meant to be mentioned
	}
	var body string
	switch s.Stage {
	case sla.NearBreach:
		body = fmt.Sprintf("SLA reminder: this vulnerability is due on %s and is now near breach.", s.Due.Format(time.DateOnly))
	case sla.Breached:
		body = fmt.Sprintf("SLA breached: this vulnerability was due on %s.", s.Due.Format(time.DateOnly))
	}
	if len(mentions) > 0 {
		body += " " + strings.Join(mentions, " ")
	}
	body += fmt.Sprintf("\n\n<!-- vigil:reminder %d -->", int(s.Stage))
	if err := t.note(ctx, projectID, is.IID, body); err != nil {
		return is.Reminded, err
	}
	return int(s.Stage), nil
}

// resolvedBy names the scans that no longer saw the group's findings.
func resolvedBy(g *group) string {
	var by []string
	for _, e := range g.All {
		if e.ResolvedBy != "" && !slices.Contains(by, e.ResolvedBy) {
			by = append(by, e.ResolvedBy)
		}
	}
	if len(by) == 0 {
		return "the latest scan"
	}
	return strings.Join(by, " and ")
}

// lastSeenBy names the latest scan that saw the group's findings.
func lastSeenBy(g *group) string {
	var latest *entry
	for i := range g.Open {
		if latest == nil || g.Open[i].LastSeen.After(latest.LastSeen) {
			latest = &g.Open[i]
		}
	}
	if latest == nil {
		return "the latest scan"
	}
	return scanName(latest.rec.PipelineID, latest.rec.JobID, latest.Digest)
}

// recoverIssue rebuilds the ledger record of an adopted issue from what
// GitLab shows: state, due date, deviation label, and from the bot's own
// notes the reminders posted and the exception commands acknowledged. The
// description is not read: it is re-rendered from the ledger.
func (t *Tracker) recoverIssue(ctx context.Context, pol sla.Policy, found *gitlab.Issue, is *ledger.Issue) error {
	is.IID, is.State, is.Hash = found.IID, found.State, ""
	if found.DueDate != nil {
		is.Due = time.Time(*found.DueDate)
	}
	is.Deviation = slices.Contains(found.Labels, pol.Labels.ProcessDeviation)
	own, err := t.ownNotes(ctx, is.ProjectID, found.IID)
	if err != nil {
		return err
	}
	is.Reminded = reminded(own)
	return t.recoverException(ctx, pol, own, is)
}

// recoverException replays the exception commands the bot acknowledged, in
// order. Each command is read back through the API and its author's role
// checked again now: an acknowledgement alone proves nothing about a
// command someone edited or an author who lost the role.
func (t *Tracker) recoverException(ctx context.Context, pol sla.Policy, own []*gitlab.Note, is *ledger.Issue) error {
	for _, ack := range own {
		id, ok := t.markers.acked(ack.Body, is.Group)
		if !ok {
			continue
		}
		n, err := t.readNote(ctx, is.ProjectID, is.IID, id)
		if err != nil {
			return err
		}
		if n == nil {
			continue
		}
		cmd, ok, perr := ParseCommand(n.Body, noteTime(n))
		if !ok || perr != nil {
			continue
		}
		if ok, err := t.mayRecord(ctx, is.ProjectID, n, pol); err != nil {
			return err
		} else if ok {
			applyCommand(is, cmd, n.Author.Username)
		}
	}
	return nil
}

func noteTime(n *gitlab.Note) time.Time {
	if n.CreatedAt != nil {
		return n.CreatedAt.UTC()
	}
	return time.Time{}
}
