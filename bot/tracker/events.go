package tracker

import (
	"context"
	"fmt"

	"gitlab.com/vigil-vm/vigil/bot/gitlabapi"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/markdown"
)

// IssueEvent is what the tracker takes of an Issue Hook: a hint of what
// changed, confirmed through the API before the bot acts on it.
type IssueEvent struct {
	ProjectID   int64
	ProjectPath string // confirmed by the caller through the API
	IID         int64
	Action      string // open, close, reopen, update
	State       string // opened, closed
	// Public is set when the payload shows the issue not confidential.
	Public bool
}

// HandleIssueEvent reacts to a person closing, reopening or making public a
// tracked issue. Closing an issue whose finding is still detected, without
// an exception, is a process deviation: the issue is reopened, labeled and
// told why. A confidential issue made public is made confidential again
// unless the project's policy allows public issues. The bot's own closes
// and reopens arrive here too and change nothing.
func (t *Tracker) HandleIssueEvent(ctx context.Context, ev IssueEvent) error {
	is, err := t.ledger.IssueByIID(ctx, ev.ProjectID, ev.IID)
	if ledger.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	pol := t.policy(ev.ProjectPath)
	if ev.Public {
		if err := t.keepConfidential(ctx, ev.ProjectID, is.IID, pol); err != nil {
			return err
		}
	}
	closed := ev.Action == "close" || (ev.Action == "" && ev.State == stateClosed)
	reopened := ev.Action == "reopen"
	if (closed && is.State == stateClosed) || (reopened && is.State == stateOpened) || (!closed && !reopened) {
		return nil // our own doing, or nothing the bot tracks
	}
	// The payload says the state changed; GitLab says whether it did.
	cur, resp, err := t.gl.Issues.GetIssue(ev.ProjectID, is.IID, gitlab.WithContext(ctx))
	if err != nil {
		return gitlabapi.Wrap("read issue", resp, err)
	}
	if cur.State == is.State {
		t.log.Warn("ignored an issue hook GitLab does not confirm", "project", ev.ProjectPath, "iid", is.IID, "action", ev.Action)
		return nil
	}
	if cur.State == stateOpened {
		is.State = stateOpened
		return t.ledger.RecordIssue(ctx, is, issueEvent(ledger.EventReopened, is, ev.ProjectPath, nil, t.now().UTC(), "", "person"))
	}
	return t.closedByPerson(ctx, ev.ProjectPath, cur, is)
}

// closedByPerson handles an issue a person closed: kept closed when nothing
// is detected or an exception holds, reopened as a process deviation else.
func (t *Tracker) closedByPerson(ctx context.Context, projectPath string, cur *gitlab.Issue, is ledger.Issue) error {
	now := t.now().UTC()
	pol := t.policy(projectPath)
	fs, err := t.ledger.GroupFindings(ctx, is.Group)
	if err != nil {
		return err
	}
	g := newGroup(is.Group, projectPath, pol.GroupBy, fs)
	if err := t.addRunning(ctx, g); err != nil {
		return err
	}
	if pol, err = t.tierPolicy(ctx, g); err != nil {
		return err
	}
	who := "someone"
	closer := ""
	if cur.ClosedBy != nil {
		who, closer = "@"+markdown.Inline(cur.ClosedBy.Username), cur.ClosedBy.Username
	}
	closed := issueEvent(ledger.EventClosedByPerson, is, projectPath, g, now, closer, "")
	if len(g.Open) == 0 || exceptionHolds(is, now) {
		is.State = stateClosed
		return t.ledger.RecordIssue(ctx, is, closed)
	}
	is.Deviation = true
	s := schedule(pol, g, is, now)
	d, err := t.render(pol, g, is, s, now)
	if err != nil {
		return err
	}
	if err := t.edit(ctx, is.ProjectID, is.IID, pol, d, "reopen"); err != nil {
		return err
	}
	is.State, is.Hash = stateOpened, d.Hash
	reopened := issueEvent(ledger.EventReopened, is, projectPath, g, now, ledger.ActorBot, "process deviation")
	if err := t.ledger.RecordIssue(ctx, is, closed, reopened); err != nil {
		return err
	}
	t.log.Info("reopened issue closed while still detected", "project", projectPath, "iid", is.IID, "closed_by", who)
	return t.note(ctx, is.ProjectID, is.IID, fmt.Sprintf(
		"%s closed this issue while it is still detected (last by %s). Reopened as a process deviation. "+
			"If the risk is accepted or the finding is wrong, record an exception with `/vigil accept-risk YYYY-MM-DD <reason>` or `/vigil false-positive <reason>`.",
		who, markdown.Inline(lastSeenBy(g))))
}
