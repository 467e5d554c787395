package tracker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/gitlabapi"
	"gitlab.com/vigil-vm/vigil/internal/findings"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/markdown"
	"gitlab.com/vigil-vm/vigil/bot/sla"
)

// NoteEvent is what the tracker takes of a Note Hook: only where to find
// the note. Its author, body and issue are read back through the API, since
// a payload is only what its sender claims.
type NoteEvent struct {
	ProjectID    int64
	ProjectPath  string // confirmed by the caller through the API
	IID          int64  // of the issue the payload says was commented on
	NoteID       int64
	NoteableType string
}

// Command is one exception command found in a comment.
type Command struct {
	Verb    string // accept-risk, false-positive, revoke
	Expires time.Time
	Reason  string
}

const usage = "`/vigil accept-risk YYYY-MM-DD <reason>`, `/vigil false-positive <reason>` or `/vigil revoke`"

// ParseCommand finds a /vigil command on its own line of a comment. It
// returns ok false when there is none, and an error for a malformed one.
func ParseCommand(body string, today time.Time) (Command, bool, error) {
	for _, line := range strings.Split(body, "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || fields[0] != "/vigil" {
			continue
		}
		if len(fields) < 2 {
			return Command{}, true, fmt.Errorf("missing command; use %s", usage)
		}
		c := Command{Verb: fields[1]}
		rest := fields[2:]
		switch c.Verb {
		case "accept-risk":
			if len(rest) == 0 {
				return c, true, errors.New("accept-risk needs an expiry date (YYYY-MM-DD) and a reason")
			}
			exp, err := time.Parse(time.DateOnly, rest[0])
			if err != nil {
				return c, true, fmt.Errorf("accept-risk needs an expiry date as YYYY-MM-DD, not %q", rest[0])
			}
			if !exp.After(sla.Date(today)) {
				return c, true, fmt.Errorf("the expiry date %s is not in the future", rest[0])
			}
			c.Expires, c.Reason = exp, strings.Join(rest[1:], " ")
			if c.Reason == "" {
				return c, true, errors.New("accept-risk needs a reason after the expiry date")
			}
		case "false-positive":
			c.Reason = strings.Join(rest, " ")
			if c.Reason == "" {
				return c, true, errors.New("false-positive needs a reason")
			}
		case "revoke":
		default:
			return c, true, fmt.Errorf("unknown command %q; use %s", c.Verb, usage)
		}
		return c, true, nil
	}
	return Command{}, false, nil
}

// HandleNote applies an exception command from a comment on a tracked
// issue. The note is read back from GitLab and its author's role checked
// through the members API; a note GitLab does not show, one on an issue the
// bot does not track, and one by an author without the role change nothing.
func (t *Tracker) HandleNote(ctx context.Context, ev NoteEvent) error {
	if ev.NoteableType != "Issue" {
		return nil
	}
	n, err := t.readNote(ctx, ev.ProjectID, ev.IID, ev.NoteID)
	if err != nil || n == nil {
		return err
	}
	self, err := t.self(ctx)
	if err != nil || n.System || n.Author.ID == self {
		return err
	}
	cmd, ok, perr := ParseCommand(n.Body, t.now().UTC())
	if !ok {
		return nil
	}
	is, err := t.ledger.IssueByIID(ctx, ev.ProjectID, n.NoteableIID)
	if ledger.IsNotFound(err) {
		t.log.Info("ignored a command on an issue vigil does not track", "project", ev.ProjectPath, "iid", n.NoteableIID, "note", n.ID)
		return nil
	}
	if err != nil {
		return err
	}
	pol := t.policy(ev.ProjectPath)
	who := markdown.Inline(n.Author.Username)
	if ok, err := t.mayRecord(ctx, ev.ProjectID, n, pol); err != nil || !ok {
		if err == nil {
			err = t.note(ctx, ev.ProjectID, is.IID, fmt.Sprintf("@%s only project members with at least the %s role can record exceptions; nothing was changed.", who, pol.ExceptionRole))
		}
		return err
	}
	if perr != nil {
		return t.note(ctx, ev.ProjectID, is.IID, fmt.Sprintf("@%s %s. Nothing was changed.", who, markdown.Inline(perr.Error())))
	}
	before := is.Exception
	reply, changed := applyCommand(&is, cmd, n.Author.Username)
	if !changed {
		return t.note(ctx, ev.ProjectID, is.IID, reply)
	}
	recorded := issueEvent(exceptionEvent(before, is), is, ev.ProjectPath, nil, t.now().UTC(), n.Author.Username, "")
	if err := t.ledger.RecordIssue(ctx, is, recorded); err != nil {
		return err
	}
	t.log.Info("recorded exception command", "project", ev.ProjectPath, "iid", is.IID, "command", cmd.Verb, "by", n.Author.Username, "note", n.ID)
	if err := t.note(ctx, ev.ProjectID, is.IID, reply+"\n\n"+t.markers.ack(is.Group, n.ID)); err != nil {
		return err
	}
	return t.reconcileGroup(ctx, ev.ProjectID, ev.ProjectPath, is.Group)
}

// applyCommand records cmd by username on is and returns the reply, and
// whether the issue changed.
func applyCommand(is *ledger.Issue, cmd Command, username string) (string, bool) {
	who, reason := markdown.Inline(username), markdown.Inline(cmd.Reason)
	switch cmd.Verb {
	case "accept-risk":
		is.Exception, is.ExceptionReason, is.ExceptionExpires, is.ExceptionBy = findings.AcceptedRisk, cmd.Reason, cmd.Expires, username
		return fmt.Sprintf("Risk accepted by @%s until %s: %s. vigil will not reopen or escalate this issue until then.", who, cmd.Expires.Format(time.DateOnly), reason), true
	case "false-positive":
		is.Exception, is.ExceptionReason, is.ExceptionExpires, is.ExceptionBy = findings.FalsePositive, cmd.Reason, time.Time{}, username
		return fmt.Sprintf("Marked a false positive by @%s: %s. vigil will not reopen or escalate this issue.", who, reason), true
	}
	if is.Exception == "" {
		return fmt.Sprintf("@%s there is no exception to revoke.", who), false
	}
	is.Exception, is.ExceptionReason, is.ExceptionExpires, is.ExceptionBy = "", "", time.Time{}, ""
	return fmt.Sprintf("Exception revoked by @%s; the SLA applies again.", who), true
}

// readNote reads a note of an issue through the API; nil when GitLab does
// not show it there.
func (t *Tracker) readNote(ctx context.Context, projectID, iid, noteID int64) (*gitlab.Note, error) {
	if noteID <= 0 || iid <= 0 {
		t.log.Warn("ignored a note hook without a note", "project_id", projectID, "iid", iid)
		return nil, nil
	}
	n, resp, err := t.gl.Notes.GetIssueNote(projectID, iid, noteID, gitlab.WithContext(ctx))
	if resp != nil && resp.StatusCode == http.StatusNotFound {
		t.log.Warn("ignored a note GitLab does not show", "project_id", projectID, "iid", iid, "note", noteID)
		return nil, nil
	}
	if err != nil {
		return nil, gitlabapi.Wrap("read note", resp, err)
	}
	return n, nil
}

// mayRecord checks, through the members API, that a note's author has the
// role the policy asks of exceptions.
func (t *Tracker) mayRecord(ctx context.Context, projectID int64, n *gitlab.Note, pol sla.Policy) (bool, error) {
	level, err := t.accessLevel(ctx, projectID, n.Author.ID)
	if err != nil {
		return false, err
	}
	if level < pol.AccessLevel() {
		t.log.Warn("ignored an exception command from an author without the role", "project_id", projectID,
			"note", n.ID, "author", n.Author.Username, "level", level)
		return false, nil
	}
	return true, nil
}

// accessLevel is a user's effective access level in a project, 0 for none.
func (t *Tracker) accessLevel(ctx context.Context, projectID, userID int64) (int, error) {
	if userID == 0 {
		return 0, nil
	}
	m, resp, err := t.gl.ProjectMembers.GetInheritedProjectMember(projectID, userID, gitlab.WithContext(ctx))
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			return 0, nil
		}
		return 0, gitlabapi.Wrap("read project membership", resp, err)
	}
	return int(m.AccessLevel), nil
}

// Sweep reconciles every project with tracked findings, which applies SLA
// stages and posts reminders and exception expiries. lock serializes with
// other work on the same project; nil means no locking.
func (t *Tracker) Sweep(ctx context.Context, lock func(projectID int64) func()) error {
	ids, err := t.ledger.Projects(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		path, err := t.ledger.ProjectPath(ctx, id)
		if err != nil {
			return err
		}
		if path == "" {
			continue
		}
		unlock := func() {}
		if lock != nil {
			unlock = lock(id)
		}
		err = t.Reconcile(ctx, id, path)
		unlock()
		if err != nil {
			errs = append(errs, fmt.Errorf("sweep project %s: %w", path, err))
		}
	}
	return errors.Join(errs...)
}
