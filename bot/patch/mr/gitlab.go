package mr

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"unicode/utf8"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/patch"
)

// listMRs returns the project's merge requests carrying label in state
// ("opened", "closed", …), every page.
func (e *Engine) listMRs(ctx context.Context, pid any, label, state string) ([]*gitlab.BasicMergeRequest, error) {
	opt := &gitlab.ListProjectMergeRequestsOptions{
		ListOptions: gitlab.ListOptions{PerPage: 100, Page: 1},
		State:       gitlab.Ptr(state),
		Labels:      &gitlab.LabelOptions{label},
	}
	var out []*gitlab.BasicMergeRequest
	for {
		page, resp, err := e.client.MergeRequests.ListProjectMergeRequests(pid, opt, gitlab.WithContext(ctx))
		if err != nil {
			return nil, fmt.Errorf("list %s merge requests: %w", state, err)
		}
		out = append(out, page...)
		if resp.NextPage == 0 {
			return out, nil
		}
		opt.Page = resp.NextPage
	}
}

// fetch unpacks the default branch into a new scratch directory.
func (r *run) fetch() (string, error) {
	dir, err := os.MkdirTemp(r.scratch, "repo-")
	if err != nil {
		return "", fmt.Errorf("make scratch copy of %s: %w", r.p.Path, err)
	}
	if err := unpack(r.archive, dir); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("fetch %s: %w", r.p.Path, err)
	}
	return dir, nil
}

func (e *Engine) archive(ctx context.Context, p Project) ([]byte, error) {
	data, _, err := e.client.Repositories.Archive(p.ID, &gitlab.ArchiveOptions{Format: gitlab.Ptr("tar.gz"), SHA: gitlab.Ptr(p.DefaultBranch)}, gitlab.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("download archive of %s@%s: %w", p.Path, p.DefaultBranch, err)
	}
	return data, nil
}

// branchMatches reports whether branch already holds exactly the change.
func (e *Engine) branchMatches(ctx context.Context, p Project, branch string, c patch.Change) (bool, error) {
	for _, path := range sortedKeys(c.Files) {
		b, resp, err := e.client.RepositoryFiles.GetRawFile(p.ID, path, &gitlab.GetRawFileOptions{Ref: gitlab.Ptr(branch)}, gitlab.WithContext(ctx))
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("read %s on %s: %w", path, branch, err)
		}
		if string(b) != string(c.Files[path]) {
			return false, nil
		}
	}
	for _, path := range c.Deleted {
		_, resp, err := e.client.RepositoryFiles.GetRawFile(p.ID, path, &gitlab.GetRawFileOptions{Ref: gitlab.Ptr(branch)}, gitlab.WithContext(ctx))
		if err == nil {
			return false, nil
		}
		if resp == nil || resp.StatusCode != http.StatusNotFound {
			return false, fmt.Errorf("read %s on %s: %w", path, branch, err)
		}
	}
	return true, nil
}

// commit writes the change as one commit on branch, started afresh from
// the default branch (force), so a rebuilt branch carries no stale history.
func (e *Engine) commit(ctx context.Context, p Project, base, branch, message string, c patch.Change) error {
	var actions []*gitlab.CommitActionOptions
	for _, path := range sortedKeys(c.Files) {
		action := gitlab.FileCreate
		if _, err := os.Stat(filepath.Join(base, filepath.FromSlash(path))); err == nil {
			action = gitlab.FileUpdate
		}
		a := &gitlab.CommitActionOptions{Action: gitlab.Ptr(action), FilePath: gitlab.Ptr(path)}
		if utf8.Valid(c.Files[path]) {
			a.Content = gitlab.Ptr(string(c.Files[path]))
		} else {
			a.Content, a.Encoding = gitlab.Ptr(base64.StdEncoding.EncodeToString(c.Files[path])), gitlab.Ptr("base64")
		}
		actions = append(actions, a)
	}
	for _, path := range c.Deleted {
		actions = append(actions, &gitlab.CommitActionOptions{Action: gitlab.Ptr(gitlab.FileDelete), FilePath: gitlab.Ptr(path)})
	}
	opt := &gitlab.CreateCommitOptions{
		Branch: gitlab.Ptr(branch), StartBranch: gitlab.Ptr(p.DefaultBranch), Force: gitlab.Ptr(true),
		CommitMessage: gitlab.Ptr(message), Actions: actions,
	}
	if e.opts.AuthorName != "" {
		opt.AuthorName = gitlab.Ptr(e.opts.AuthorName)
	}
	if e.opts.AuthorEmail != "" {
		opt.AuthorEmail = gitlab.Ptr(e.opts.AuthorEmail)
	}
	if _, _, err := e.client.Commits.CreateCommit(p.ID, opt, gitlab.WithContext(ctx)); err != nil {
		return fmt.Errorf("commit to %s: %w", branch, err)
	}
	return nil
}

// assignees are the people assigned to the tracking issues.
func (e *Engine) assignees(ctx context.Context, p Project, issues []int) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, iid := range issues {
		is, _, err := e.client.Issues.GetIssue(p.ID, int64(iid), gitlab.WithContext(ctx))
		if err != nil {
			e.log.WarnContext(ctx, "read tracking issue", "project", p.Path, "issue", iid, "err", err)
			continue
		}
		for _, a := range is.Assignees {
			if a != nil && !seen[a.ID] {
				seen[a.ID] = true
				out = append(out, a.ID)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func (e *Engine) closeMR(ctx context.Context, p Project, iid int64, note string) error {
	if _, _, err := e.client.Notes.CreateMergeRequestNote(p.ID, iid, &gitlab.CreateMergeRequestNoteOptions{Body: gitlab.Ptr(note)}, gitlab.WithContext(ctx)); err != nil {
		return fmt.Errorf("comment on !%d: %w", iid, err)
	}
	if _, _, err := e.client.MergeRequests.UpdateMergeRequest(p.ID, iid, &gitlab.UpdateMergeRequestOptions{StateEvent: gitlab.Ptr("close")}, gitlab.WithContext(ctx)); err != nil {
		return fmt.Errorf("close !%d: %w", iid, err)
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
