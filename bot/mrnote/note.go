package mrnote

import (
	"context"
	"fmt"
	"strings"
	"sync"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// Notes writes the note through the GitLab API.
type Notes struct {
	gl *gitlab.Client

	mu     sync.Mutex
	selfID int64 // the bot's user, looked up once
}

// New returns a note writer.
func New(gl *gitlab.Client) *Notes { return &Notes{gl: gl} }

// Upsert edits the bot's note on a merge request, or creates it when there
// is none. Only a note the bot's own user wrote and that starts with Marker
// is edited; anyone can copy the marker, nobody else can be its author.
func (n *Notes) Upsert(ctx context.Context, projectID, mrIID int64, body string) (created bool, err error) {
	self, err := n.self(ctx)
	if err != nil {
		return false, err
	}
	notes, err := gitlab.ScanAndCollect(func(p gitlab.PaginationOptionFunc) ([]*gitlab.Note, *gitlab.Response, error) {
		return n.gl.Notes.ListMergeRequestNotes(projectID, mrIID, &gitlab.ListMergeRequestNotesOptions{
			ListOptions: gitlab.ListOptions{PerPage: 100}, Sort: gitlab.Ptr("asc")}, p, gitlab.WithContext(ctx))
	})
	if err != nil {
		return false, fmt.Errorf("list notes of merge request !%d: %w", mrIID, err)
	}
	for _, note := range notes {
		if note.System || note.Author.ID != self || !strings.HasPrefix(note.Body, Marker) {
			continue
		}
		if note.Body == body {
			return false, nil
		}
		if _, _, err := n.gl.Notes.UpdateMergeRequestNote(projectID, mrIID, note.ID,
			&gitlab.UpdateMergeRequestNoteOptions{Body: gitlab.Ptr(body)}, gitlab.WithContext(ctx)); err != nil {
			return false, fmt.Errorf("edit note %d of merge request !%d: %w", note.ID, mrIID, err)
		}
		return false, nil
	}
	if _, _, err := n.gl.Notes.CreateMergeRequestNote(projectID, mrIID,
		&gitlab.CreateMergeRequestNoteOptions{Body: gitlab.Ptr(body)}, gitlab.WithContext(ctx)); err != nil {
		return false, fmt.Errorf("comment on merge request !%d: %w", mrIID, err)
	}
	return true, nil
}

func (n *Notes) self(ctx context.Context) (int64, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.selfID != 0 {
		return n.selfID, nil
	}
	u, _, err := n.gl.Users.CurrentUser(gitlab.WithContext(ctx))
	if err != nil {
		return 0, fmt.Errorf("read the bot's own user: %w", err)
	}
	n.selfID = u.ID
	return u.ID, nil
}
