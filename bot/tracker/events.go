package tracker

import (
	"context"
	"fmt"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
)

// IssueEvent is what the tracker needs of an Issue Hook.
type IssueEvent struct {
	ProjectID   int64
	ProjectPath string
	IID         int64
	Action      string // open, close, reopen, update
	State       string // opened, closed
	Username    string // who acted
}

// HandleIssueEvent reacts to a person closing or reopening a tracked issue.
// Closing an issue whose finding is still detected, without an exception,
// is a process deviation: the issue is reopened, labeled and told why. The
// bot's own closes and reopens arrive here too and change nothing.
func (t *Tracker) HandleIssueEvent(ctx context.Context, ev IssueEvent) error {
	is, err := t.ledger.IssueByIID(ctx, ev.ProjectID, ev.IID)
	if ledger.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	closed := ev.Action == "close" || (ev.Action == "" && ev.State == stateClosed)
	reopened := ev.Action == "reopen"
	switch {
	case closed && is.State == stateClosed, reopened && is.State == stateOpened, !closed && !reopened:
		return nil // our own doing, or nothing the bot tracks
	case reopened:
		is.State = stateOpened
		return t.ledger.PutIssue(ctx, is)
	}
	now := t.now().UTC()
	pol := t.policy(ev.ProjectPath)
	fs, err := t.ledger.GroupFindings(ctx, is.Group)
	if err != nil {
		return err
	}
	g := newGroup(is.Group, ev.ProjectPath, pol.GroupBy, fs)
	if len(g.Open) == 0 || exceptionHolds(is, now) {
		is.State = stateClosed
		return t.ledger.PutIssue(ctx, is)
	}
	is.Deviation = true
	s := schedule(pol, g, is, now)
	d, err := t.render(pol, g, is, s, now)
	if err != nil {
		return err
	}
	if err := t.edit(ctx, ev.ProjectID, is.IID, pol, d, "reopen"); err != nil {
		return err
	}
	is.State, is.Hash = stateOpened, d.Hash
	if err := t.ledger.PutIssue(ctx, is); err != nil {
		return err
	}
	t.log.Info("reopened issue closed while still detected", "project", ev.ProjectPath, "iid", is.IID, "closed_by", ev.Username)
	return t.note(ctx, ev.ProjectID, is.IID, fmt.Sprintf(
		"@%s closed this issue while it is still detected (last by %s). Reopened as a process deviation. "+
			"If the risk is accepted or the finding is wrong, record an exception with `/vigil accept-risk YYYY-MM-DD <reason>` or `/vigil false-positive <reason>`.",
		ev.Username, lastSeenBy(g)))
}
