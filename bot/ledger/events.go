package ledger

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// EventKind names what happened in an event of the ledger's history.
type EventKind string

// Event kinds. Finding events are about one fingerprint, issue events about
// one issue group (and so every finding in it), merge request events about
// one of vigil's patch merge requests.
const (
	EventDetected        EventKind = "finding.detected"         // first seen, or seen again after it was resolved
	EventSeverityChanged EventKind = "finding.severity_changed" // Detail: the previous severity
	EventFixStateChanged EventKind = "finding.fix_state_changed"
	EventResolved        EventKind = "finding.resolved" // a scan no longer saw it (Actor: the scan)

	EventIssueOpened      EventKind = "issue.opened"
	EventNearBreach       EventKind = "issue.near_breach"
	EventBreached         EventKind = "issue.breached"
	EventDueChanged       EventKind = "issue.due_changed"
	EventClosedByBot      EventKind = "issue.closed_by_bot"
	EventClosedByPerson   EventKind = "issue.closed_by_person"
	EventReopened         EventKind = "issue.reopened"
	EventExceptionGranted EventKind = "exception.granted" // Detail: the exception kind; Expires: its end
	EventExceptionRevoked EventKind = "exception.revoked"
	EventExceptionExpired EventKind = "exception.expired"
	EventPatchOpened      EventKind = "mr.opened" // Detail: "auto-merge" when auto-merge was set
	EventPatchMerged      EventKind = "mr.merged"
	EventPatchClosed      EventKind = "mr.closed" // Actor: vigil when the bot closed it
)

// Actors that are not GitLab users.
const (
	ActorBot       = "vigil"
	ActorMigration = "migration" // events derived from rows kept before the history existed
)

// Event is one entry of the append-only history: what happened, when, who
// did it, and enough scope (project, tier, severity, SLA due date) to count
// it without reading any other table.
type Event struct {
	ID          string
	At          time.Time
	Kind        EventKind
	Fingerprint string // the finding; "" for issue and merge request events
	Group       string // the issue group of the finding, or the issue's
	ProjectID   int64
	ProjectPath string
	Tier        string
	Severity    findings.Severity
	Due         time.Time // the SLA due date in force, when known
	Actor       string
	Detail      string
	Expires     time.Time // an exception's expiry
	MR          int64     // a merge request's iid
}

const eventColumns = `id, at, kind, fingerprint, group_key, project_id, project_path, tier, severity, due_date, actor, detail, expires, mr_iid`

// eventTimeLayout is RFC 3339 with a fixed nine-digit fraction, so that
// stored times sort as text in time order.
const eventTimeLayout = "2006-01-02T15:04:05.000000000Z07:00"

func formatEventTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(eventTimeLayout)
}

// NewEventID returns a fresh event id, made by the application so the
// schema needs no sequence: the wall clock's nanoseconds (not the bot's
// clock, which tests hold still), the event's place in its batch and random
// bits. Events of one instant then keep the order they were written in.
func NewEventID(n int) string {
	var b [6]byte
	rand.Read(b[:])
	return fmt.Sprintf("%016x%04x%s", time.Now().UnixNano(), n&0xffff, hex.EncodeToString(b[:]))
}

// AppendEvents adds events to the history inside q's transaction: the same
// transaction as the state change they record. An event without an id gets
// a fresh one; an event whose id is already recorded is not added again.
func (l *Ledger) AppendEvents(ctx context.Context, q Querier, evs ...Event) error {
	for i, e := range evs {
		if e.ID == "" {
			e.ID = NewEventID(i)
		}
		if e.At.IsZero() || e.Kind == "" {
			return fmt.Errorf("record event %q: an event needs a time and a kind", e.Kind)
		}
		_, err := q.ExecContext(ctx, l.rebind(`INSERT INTO vigil_events (`+eventColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`),
			e.ID, formatEventTime(e.At), string(e.Kind), l.eventText(e.Fingerprint), l.eventText(e.Group), e.ProjectID,
			l.eventText(e.ProjectPath), l.eventText(e.Tier), int(e.Severity), formatTime(e.Due), l.eventText(e.Actor),
			l.eventText(e.Detail), formatTime(e.Expires), e.MR)
		if err != nil {
			return fmt.Errorf("record event %s of %s: %w", e.Kind, e.Group+e.Fingerprint, err)
		}
	}
	return nil
}

// eventText is a text column of the history as stored: storable in the
// dialect (see text) and free of the separator History packs rows with, so
// no value a tier rule or a GitLab name carries can make the read-outs
// refuse the history.
func (l *Ledger) eventText(s string) string {
	return l.text(strings.ReplaceAll(s, historySep, " "))
}

// resolvedEvent is the event of a finding resolved at a time by a scan that
// no longer listed it, by monitoring, or by the inventory retiring its asset.
func resolvedEvent(f Finding, by string, at time.Time) Event {
	return Event{At: at, Kind: EventResolved, Fingerprint: f.Fingerprint, Group: f.Group,
		ProjectID: f.ProjectID, ProjectPath: f.ProjectPath, Severity: f.Severity, Actor: by}
}

// RecordIssue writes an issue record and the events of its change in one
// transaction.
func (l *Ledger) RecordIssue(ctx context.Context, is Issue, evs ...Event) error {
	if len(evs) == 0 {
		return l.PutIssue(ctx, is)
	}
	return l.Tx(ctx, func(tx *sql.Tx) error {
		if err := l.PutIssueTx(ctx, tx, is); err != nil {
			return err
		}
		return l.AppendEvents(ctx, tx, evs...)
	})
}

// RecordEvents appends events in a transaction of their own, for changes
// the ledger holds no other row of (a merge request merged in GitLab).
func (l *Ledger) RecordEvents(ctx context.Context, evs ...Event) error {
	return l.Tx(ctx, func(tx *sql.Tx) error { return l.AppendEvents(ctx, tx, evs...) })
}

// HasEvent reports whether the history holds the event with this id.
func (l *Ledger) HasEvent(ctx context.Context, id string) (bool, error) {
	var n int
	if err := l.db.QueryRowContext(ctx, l.rebind(`SELECT COUNT(*) FROM vigil_events WHERE id = ?`), id).Scan(&n); err != nil {
		return false, fmt.Errorf("read history: %w", err)
	}
	return n > 0, nil
}

// Events streams the history in time order, every event before until (all
// of it when until is zero). The rows are read as they are yielded, so a
// long history costs no memory.
func (l *Ledger) Events(ctx context.Context, until time.Time) iter.Seq2[Event, error] {
	return l.streamEvents(ctx, eventColumns, nil, time.Time{}, until, func(scan func(...any) error) (Event, error) {
		var e Event
		var at, due, expires, kind string
		var sev int
		if err := scan(&e.ID, &at, &kind, &e.Fingerprint, &e.Group, &e.ProjectID, &e.ProjectPath, &e.Tier,
			&sev, &due, &e.Actor, &e.Detail, &expires, &e.MR); err != nil {
			return Event{}, err
		}
		e.At, e.Kind, e.Severity, e.Due, e.Expires = parseTime(at), EventKind(kind), findings.Severity(sev), parseTime(due), parseTime(expires)
		return e, nil
	})
}

// errStopped ends a row loop whose reader stopped iterating.
var errStopped = errors.New("the reader stopped")

// streamEvents yields the events in [from, until) (until zero: to the
// last) in the history's order, each row of the columns (with args for
// their placeholders) made an event by event.
func (l *Ledger) streamEvents(ctx context.Context, columns string, args []any, from, until time.Time,
	event func(scan func(...any) error) (Event, error)) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		q, a := `SELECT `+columns+` FROM vigil_events WHERE at >= ?`, append(slices.Clip(args), formatEventTime(from))
		if !until.IsZero() {
			q, a = q+` AND at < ?`, append(a, formatEventTime(until))
		}
		err := eachRow(ctx, l.db, "read history", l.rebind(q+` ORDER BY at, id`), a, func(scan func(...any) error) error {
			e, err := event(scan)
			switch {
			case err != nil:
				return err
			case !until.IsZero() && !e.At.Before(until):
				return nil // a migrated time without a fraction sorts after its second's fractions
			case !yield(e, nil):
				return errStopped
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStopped) {
			yield(Event{}, err)
		}
	}
}
