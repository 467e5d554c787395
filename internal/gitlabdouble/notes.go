package gitlabdouble

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Note is a comment (or a system note) as the notes API shows it.
type Note struct {
	ID           int       `json:"id"`
	Type         *string   `json:"type"`
	Body         string    `json:"body"`
	Attachment   *string   `json:"attachment"`
	Author       User      `json:"author"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	System       bool      `json:"system"`
	NoteableID   int       `json:"noteable_id"`
	NoteableType string    `json:"noteable_type"`
	ProjectID    int       `json:"project_id"`
	NoteableIID  int       `json:"noteable_iid"`
	Resolvable   bool      `json:"resolvable"`
	Confidential bool      `json:"confidential"`
	Internal     bool      `json:"internal"`
	Imported     bool      `json:"imported"`
	ImportedFrom string    `json:"imported_from"`
}

type noteState struct {
	ID                   int
	Body                 string
	AuthorID             int
	System, Internal     bool
	CreatedAt, UpdatedAt time.Time
}

// noteable is what notes hang off: an issue or a merge request.
type noteable struct {
	kind  string // "Issue" or "MergeRequest"
	id    int
	iid   int
	notes *[]*noteState
}

func (s *Server) noteView(p *projectState, on noteable, n *noteState) Note {
	return Note{
		ID: n.ID, Body: n.Body, Author: *s.userRef(n.AuthorID), CreatedAt: n.CreatedAt, UpdatedAt: n.UpdatedAt,
		System: n.System, NoteableID: on.id, NoteableType: on.kind, ProjectID: p.ID, NoteableIID: on.iid,
		Confidential: n.Internal, Internal: n.Internal, ImportedFrom: "none",
	}
}

// Notes returns a snapshot of an issue's notes, oldest first, system notes included.
func (s *Server) Notes(projectID, issueIID int) []Note {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustProject(projectID)
	i := p.issue(issueIID)
	if i == nil {
		return nil
	}
	out := []Note{}
	for _, n := range i.notes {
		out = append(out, s.noteView(p, issueNoteable(i), n))
	}
	return out
}

func issueNoteable(i *issueState) noteable {
	return noteable{kind: "Issue", id: i.ID, iid: i.IID, notes: &i.notes}
}

func (s *Server) addNote(on noteable, author int, body string, system, internal bool) *noteState {
	now := s.now()
	n := &noteState{ID: s.ids.next(&s.ids.note), Body: body, AuthorID: author, System: system, Internal: internal, CreatedAt: now, UpdatedAt: now}
	*on.notes = append(*on.notes, n)
	return n
}

// AddNoteAs comments on an issue as the named user would in the UI, with
// the Note Hook that follows.
func (s *Server) AddNoteAs(username string, projectID, issueIID int, body string) Note {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustProject(projectID)
	i := p.issue(issueIID)
	if i == nil {
		panic(fmt.Sprintf("gitlabdouble: no issue #%d in project %d", issueIID, projectID))
	}
	u := s.mustUser(username)
	n := s.addNote(issueNoteable(i), u.ID, body, false, false)
	i.UpdatedAt = n.CreatedAt
	s.noteEvent(p, issueNoteable(i), n, u)
	return s.noteView(p, issueNoteable(i), n)
}

// systemNotes records what changed between before and i the way GitLab's
// system notes describe it.
func (s *Server) systemNotes(p *projectState, i *issueState, before *issueState, by int) {
	on := issueNoteable(i)
	ref := func(names []string) string {
		var refs []string
		for _, n := range names {
			if l := p.label(n); l != nil {
				refs = append(refs, "~"+strconv.Itoa(l.ID))
			}
		}
		return strings.Join(refs, " ")
	}
	plural := func(names []string) string {
		if len(names) == 1 {
			return "label"
		}
		return "labels"
	}
	added := slices.DeleteFunc(slices.Clone(i.Labels), func(n string) bool { return slices.Contains(before.Labels, n) })
	removed := slices.DeleteFunc(slices.Clone(before.Labels), func(n string) bool { return slices.Contains(i.Labels, n) })
	var parts []string
	if len(added) > 0 {
		parts = append(parts, "added "+ref(added)+" "+plural(added))
	}
	if len(removed) > 0 {
		parts = append(parts, "removed "+ref(removed)+" "+plural(removed))
	}
	if len(parts) > 0 {
		s.addNote(on, by, strings.Join(parts, " and "), true, false)
	}
	if before.Title != i.Title {
		s.addNote(on, by, fmt.Sprintf("changed title from **%s** to **%s**", before.Title, i.Title), true, false)
	}
	if before.Description != i.Description {
		s.addNote(on, by, "changed the description", true, false)
	}
	if fmt.Sprint(before.DueDate) != fmt.Sprint(i.DueDate) {
		if i.DueDate == nil {
			s.addNote(on, by, "removed due date", true, false)
		} else {
			s.addNote(on, by, "changed due date to "+time.Time(*i.DueDate).Format("January 2, 2006"), true, false)
		}
	}
	if before.Confidential != i.Confidential {
		if i.Confidential {
			s.addNote(on, by, "made the issue confidential", true, false)
		} else {
			s.addNote(on, by, "made the issue visible to everyone", true, false)
		}
	}
	if before.State != i.State {
		s.addNote(on, by, map[string]string{"closed": "closed", "opened": "reopened"}[i.State], true, false)
	}
}

func (s *Server) noteRoutes() {
	s.route("GET /projects/:id/issues/:issue_iid/notes", func(r *request) {
		if p, i, ok := r.issue(Guest); ok {
			s.listNotes(r, p, issueNoteable(i))
		}
	})
	s.route("GET /projects/:id/issues/:issue_iid/notes/:note_id", s.getIssueNote)
	s.route("POST /projects/:id/issues/:issue_iid/notes", func(r *request) {
		if p, i, ok := r.issue(Guest); ok {
			if i.DiscussionLocked != nil && *i.DiscussionLocked && r.role(p) < Reporter {
				r.forbidden()
				return
			}
			s.createNote(r, p, issueNoteable(i), &i.UpdatedAt)
		}
	})
	s.route("GET /projects/:id/merge_requests/:merge_request_iid/notes", func(r *request) {
		if p, m, ok := r.mergeRequest(Reporter); ok {
			s.listNotes(r, p, mrNoteable(m))
		}
	})
	s.route("POST /projects/:id/merge_requests/:merge_request_iid/notes", func(r *request) {
		if p, m, ok := r.mergeRequest(Reporter); ok {
			s.createNote(r, p, mrNoteable(m), &m.UpdatedAt)
		}
	})
	s.route("PUT /projects/:id/merge_requests/:merge_request_iid/notes/:note_id", func(r *request) {
		if p, m, ok := r.mergeRequest(Reporter); ok {
			s.editNote(r, p, mrNoteable(m))
		}
	})
}

func (s *Server) listNotes(r *request, p *projectState, on noteable) {
	ns := slices.Clone(*on.notes)
	sortListed(r.params, ns, func(n *noteState) (time.Time, time.Time, int) { return n.CreatedAt, n.UpdatedAt, n.ID })
	page := paginate(r, ns)
	out := make([]Note, 0, len(page))
	for _, n := range page {
		out = append(out, s.noteView(p, on, n))
	}
	r.json(http.StatusOK, out)
}

func (s *Server) createNote(r *request, p *projectState, on noteable, bump *time.Time) {
	body, _ := r.params.str("body")
	if body == "" {
		r.missing("body")
		return
	}
	if r.tooLong("note", body, maxText) {
		return
	}
	internal, _, err := r.params.boolean("internal")
	if err != nil {
		r.invalid("internal")
		return
	}
	if internal && r.role(p) < Reporter {
		internal = false
	}
	n := s.addNote(on, r.user.ID, body, false, internal)
	*bump = n.CreatedAt
	s.noteEvent(p, on, n, r.user)
	r.json(http.StatusCreated, s.noteView(p, on, n))
}

func (s *Server) getIssueNote(r *request) {
	p, i, ok := r.issue(Guest)
	if !ok {
		return
	}
	id, ok := r.intPath("note_id", "Note")
	if !ok {
		return
	}
	// A note of another issue, or an internal note the caller may not
	// read, is not found, as in GitLab.
	for _, n := range i.notes {
		if n.ID == id && (!n.Internal || r.role(p) >= Reporter) {
			r.json(http.StatusOK, s.noteView(p, issueNoteable(i), n))
			return
		}
	}
	r.notFound("Note")
}

// editNote is PUT …/notes/:note_id: only the note's author may change its
// body, as in GitLab; the response is the edited note.
func (s *Server) editNote(r *request, p *projectState, on noteable) {
	id, ok := r.intPath("note_id", "")
	if !ok {
		return
	}
	var n *noteState
	for _, x := range *on.notes {
		if x.ID == id && !x.System {
			n = x
		}
	}
	if n == nil {
		r.fail(http.StatusNotFound, "404 Not found")
		return
	}
	if n.AuthorID != r.user.ID {
		r.forbidden()
		return
	}
	body, _ := r.params.str("body")
	if body == "" {
		r.missing("body")
		return
	}
	if r.tooLong("note", body, maxText) {
		return
	}
	n.Body, n.UpdatedAt = body, s.now()
	r.json(http.StatusOK, s.noteView(p, on, n))
}
