package tracker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/sla"
)

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

func (t *Tracker) reconcileGroup(ctx context.Context, projectID int64, projectPath, key string) error {
	now := t.now().UTC()
	pol := t.policy(projectPath)
	fs, err := t.ledger.GroupFindings(ctx, key)
	if err != nil {
		return err
	}
	is, err := t.loadIssue(ctx, projectID, key)
	if err != nil {
		return err
	}
	g := newGroup(key, projectPath, pol.GroupBy, fs)
	wantOpen := len(g.Open) > 0

	var notes []string
	if is.Exception == sla.AcceptedRisk && !now.Before(is.ExceptionExpires) {
		// Expired: the SLA restarts now, per policy, and the issue is tracked again.
		notes = append(notes, fmt.Sprintf("The accepted risk recorded by @%s expired on %s. The SLA restarts today.",
			is.ExceptionBy, is.ExceptionExpires.UTC().Format(time.DateOnly)))
		is.Exception, is.ExceptionReason, is.ExceptionExpires, is.ExceptionBy = "", "", time.Time{}, ""
		is.ClockStart, is.Due, is.Reminded = now, time.Time{}, 0
		is.Hash = "" // the labels change
	}
	holds := exceptionHolds(is, now)
	s := schedule(pol, g, is, now)
	is.ClockStart, is.Due = s.Start, s.Due
	d, err := t.render(pol, g, is, s, now)
	if err != nil {
		return err
	}

	if is.IID == 0 {
		if !wantOpen {
			return nil
		}
		found, err := t.adopt(ctx, projectID, key)
		if err != nil {
			return err
		}
		if found == nil {
			iid, err := t.create(ctx, projectID, pol, d)
			if err != nil {
				return err
			}
			is.IID, is.State, is.Hash = iid, stateOpened, d.Hash
			t.log.Info("opened issue", "project", projectPath, "iid", iid, "title", d.Title)
			if err := t.ledger.PutIssue(ctx, is); err != nil {
				return err
			}
			is.Reminded = t.remind(ctx, projectID, is, d, s, holds, &err)
			if perr := t.ledger.PutIssue(ctx, is); perr != nil {
				return perr
			}
			return err
		}
		t.log.Info("adopted issue by marker", "project", projectPath, "iid", found.IID, "group", key)
		if err := t.recoverIssue(ctx, pol, found, &is); err != nil {
			return err
		}
		holds = exceptionHolds(is, now)
		s = schedule(pol, g, is, now)
		is.ClockStart, is.Due = s.Start, s.Due
		if d, err = t.render(pol, g, is, s, now); err != nil {
			return err
		}
	}

	switch {
	case is.State == stateOpened && wantOpen:
		if d.Hash != is.Hash {
			if err := t.edit(ctx, projectID, is.IID, pol, d, ""); err != nil {
				return err
			}
			is.Hash = d.Hash
		}
	case is.State == stateOpened && !wantOpen:
		is.Deviation = false
		if d, err = t.render(pol, g, is, s, now); err != nil {
			return err
		}
		if err := t.edit(ctx, projectID, is.IID, pol, d, "close"); err != nil {
			return err
		}
		is.State, is.Hash = stateClosed, d.Hash
		if err := t.ledger.PutIssue(ctx, is); err != nil {
			return err
		}
		t.log.Info("closed issue", "project", projectPath, "iid", is.IID)
		notes = append(notes, "No longer detected by "+resolvedBy(g)+". Closing.")
	case is.State == stateClosed && wantOpen && !holds:
		if err := t.edit(ctx, projectID, is.IID, pol, d, "reopen"); err != nil {
			return err
		}
		is.State, is.Hash = stateOpened, d.Hash
		if err := t.ledger.PutIssue(ctx, is); err != nil {
			return err
		}
		t.log.Info("reopened issue", "project", projectPath, "iid", is.IID)
		notes = append(notes, "Detected again by "+lastSeenBy(g)+". Reopening.")
	}
	for _, n := range notes {
		if err := t.note(ctx, projectID, is.IID, n); err != nil {
			return err
		}
	}
	is.Reminded = t.remind(ctx, projectID, is, d, s, holds || !wantOpen, &err)
	if perr := t.ledger.PutIssue(ctx, is); perr != nil {
		return perr
	}
	return err
}

// remind posts the one reminder of an SLA stage the issue has newly reached
// and returns the stage reminded. A stage skipped (in time straight to
// breached) gets no reminder of its own.
func (t *Tracker) remind(ctx context.Context, projectID int64, is ledger.Issue, d desired, s sched, quiet bool, errp *error) int {
	if quiet || is.State != stateOpened || int(s.Stage) <= is.Reminded || s.Stage == sla.InTime {
		return is.Reminded
	}
	var mentions []string
	for _, u := range d.Assignees {
		mentions = append(mentions, "@"+u)
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
		if errp != nil && *errp == nil {
			*errp = err
		}
		return is.Reminded
	}
	return int(s.Stage)
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
// GitLab shows: state, due date, deviation label, the exception marker and
// the reminders already posted.
func (t *Tracker) recoverIssue(ctx context.Context, pol sla.Policy, found *gitlab.Issue, is *ledger.Issue) error {
	is.IID, is.State, is.Hash = found.IID, found.State, ""
	if found.DueDate != nil {
		is.Due = time.Time(*found.DueDate)
	}
	is.Deviation = slices.Contains(found.Labels, pol.Labels.ProcessDeviation)
	if kind, expires, by, reason, ok := parseExceptionMarker(found.Description); ok {
		is.Exception, is.ExceptionExpires, is.ExceptionBy, is.ExceptionReason = kind, expires, by, reason
	}
	n, err := t.reminded(ctx, is.ProjectID, found.IID)
	if err != nil {
		return err
	}
	is.Reminded = n
	return nil
}
