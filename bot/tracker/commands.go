package tracker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/sla"
)

// NoteEvent is what the tracker needs of a Note Hook.
type NoteEvent struct {
	ProjectID    int64
	ProjectPath  string
	IID          int64 // of the issue commented on
	NoteableType string
	Body         string
	AuthorID     int64
	Username     string
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

// HandleNote applies an exception command from a comment on a tracked issue:
// it checks the author's role, records the exception in the ledger, replies,
// and brings the issue's labels in line.
func (t *Tracker) HandleNote(ctx context.Context, ev NoteEvent) error {
	if ev.NoteableType != "Issue" {
		return nil
	}
	now := t.now().UTC()
	cmd, ok, perr := ParseCommand(ev.Body, now)
	if !ok {
		return nil
	}
	is, err := t.ledger.IssueByIID(ctx, ev.ProjectID, ev.IID)
	if ledger.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	pol := t.policy(ev.ProjectPath)
	level, err := t.accessLevel(ctx, ev.ProjectID, ev.AuthorID)
	if err != nil {
		return err
	}
	if level < pol.AccessLevel() {
		return t.note(ctx, ev.ProjectID, ev.IID, fmt.Sprintf("@%s only project members with at least the %s role can record exceptions; nothing was changed.", ev.Username, pol.ExceptionRole))
	}
	if perr != nil {
		return t.note(ctx, ev.ProjectID, ev.IID, fmt.Sprintf("@%s %v. Nothing was changed.", ev.Username, perr))
	}
	var reply string
	switch cmd.Verb {
	case "accept-risk":
		is.Exception, is.ExceptionReason, is.ExceptionExpires, is.ExceptionBy = sla.AcceptedRisk, cmd.Reason, cmd.Expires, ev.Username
		reply = fmt.Sprintf("Risk accepted by @%s until %s: %s. vigil will not reopen or escalate this issue until then.", ev.Username, cmd.Expires.Format(time.DateOnly), cmd.Reason)
	case "false-positive":
		is.Exception, is.ExceptionReason, is.ExceptionExpires, is.ExceptionBy = sla.FalsePositive, cmd.Reason, time.Time{}, ev.Username
		reply = fmt.Sprintf("Marked a false positive by @%s: %s. vigil will not reopen or escalate this issue.", ev.Username, cmd.Reason)
	case "revoke":
		if is.Exception == "" {
			return t.note(ctx, ev.ProjectID, ev.IID, fmt.Sprintf("@%s there is no exception to revoke.", ev.Username))
		}
		is.Exception, is.ExceptionReason, is.ExceptionExpires, is.ExceptionBy = "", "", time.Time{}, ""
		reply = fmt.Sprintf("Exception revoked by @%s; the SLA applies again.", ev.Username)
	}
	if err := t.ledger.PutIssue(ctx, is); err != nil {
		return err
	}
	t.log.Info("recorded exception command", "project", ev.ProjectPath, "iid", ev.IID, "command", cmd.Verb, "by", ev.Username)
	if err := t.note(ctx, ev.ProjectID, ev.IID, reply); err != nil {
		return err
	}
	return t.reconcileGroup(ctx, ev.ProjectID, ev.ProjectPath, is.Group)
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
		return 0, apiError("read project membership", resp, err)
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
