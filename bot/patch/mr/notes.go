package mr

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// issueNotes posts short notes on tracking issues, each at most once per
// issue and text: the memory knows what was said, and a hidden marker
// derived from the text finds an earlier copy when the memory was lost.
type issueNotes struct {
	e    *Engine
	p    Project
	read map[int]string // issue iid → its notes' bodies, joined; read at most once a run
}

func (n *issueNotes) postAll(ctx context.Context, iids []int, text string) error {
	for _, iid := range iids {
		if err := n.post(ctx, iid, text); err != nil {
			return err
		}
	}
	return nil
}

func (n *issueNotes) post(ctx context.Context, iid int, text string) error {
	sum := sha256.Sum256([]byte(text))
	id := hex.EncodeToString(sum[:8])
	said, err := n.e.memory.Said(ctx, n.p.Path, iid, id)
	if err != nil || said {
		return wrap(fmt.Sprintf("recall notes of #%d", iid), err)
	}
	mark := "<!-- vigil:patch-note " + id + " -->"
	bodies, err := n.bodies(ctx, iid)
	if err != nil {
		return err
	}
	if !strings.Contains(bodies, mark) {
		body := text + "\n\n" + mark
		tried := false
		err := n.e.write(ctx, fmt.Sprintf("comment on #%d", iid), func() (*gitlab.Response, error) {
			if tried { // the last answer was lost or failed: did the note land?
				delete(n.read, iid)
				if b, err := n.bodies(ctx, iid); err != nil || strings.Contains(b, mark) {
					return nil, permanentIf(err)
				}
			}
			tried = true
			_, resp, err := n.e.client.Notes.CreateIssueNote(n.p.ID, int64(iid), &gitlab.CreateIssueNoteOptions{Body: gitlab.Ptr(body)}, gitlab.WithContext(ctx))
			return resp, err
		})
		if err != nil {
			return err
		}
		n.read[iid] = bodies + body + "\x00"
	}
	return wrap(fmt.Sprintf("remember note on #%d", iid), n.e.memory.Say(ctx, n.p.Path, iid, id))
}

// bodies reads the engine's own notes on an issue, once per run.
func (n *issueNotes) bodies(ctx context.Context, iid int) (string, error) {
	if b, ok := n.read[iid]; ok {
		return b, nil
	}
	opt := &gitlab.ListIssueNotesOptions{ListOptions: gitlab.ListOptions{PerPage: 100}}
	notes, err := gitlab.ScanAndCollect(func(page gitlab.PaginationOptionFunc) ([]*gitlab.Note, *gitlab.Response, error) {
		return n.e.client.Notes.ListIssueNotes(n.p.ID, int64(iid), opt, pageOptions(ctx, page)...)
	})
	if err != nil {
		return "", fmt.Errorf("read notes of #%d: %w", iid, err)
	}
	self, err := n.e.self.get(ctx, n.e.client)
	if err != nil {
		return "", err
	}
	var all strings.Builder
	for _, note := range notes {
		if note.Author.ID != self {
			continue // a copied marker must not silence the engine
		}
		all.WriteString(note.Body)
		all.WriteByte(0)
	}
	n.read[iid] = all.String()
	return n.read[iid], nil
}
