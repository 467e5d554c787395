package mr

import (
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"unicode/utf8"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/patch"
)

// listMRs returns the engine's own merge requests carrying label in state
// ("opened", "closed", …), every page; branch, when set, narrows them to
// that source branch.
func (e *Engine) listMRs(ctx context.Context, pid any, label, state, branch string) ([]*gitlab.BasicMergeRequest, error) {
	self, err := e.self.get(ctx, e.client)
	if err != nil {
		return nil, err
	}
	opt := &gitlab.ListProjectMergeRequestsOptions{
		AuthorID:    gitlab.Ptr(self),
		ListOptions: gitlab.ListOptions{PerPage: 100},
		State:       gitlab.Ptr(state),
		Labels:      &gitlab.LabelOptions{label},
	}
	if branch != "" {
		opt.SourceBranch = gitlab.Ptr(branch)
	}
	all, err := gitlab.ScanAndCollect(func(page gitlab.PaginationOptionFunc) ([]*gitlab.BasicMergeRequest, *gitlab.Response, error) {
		return e.client.MergeRequests.ListProjectMergeRequests(pid, opt, pageOptions(ctx, page)...)
	})
	if err != nil {
		return nil, fmt.Errorf("list %s merge requests: %w", state, err)
	}
	var out []*gitlab.BasicMergeRequest
	for _, m := range all {
		if _, ours := ownMR(m, self); ours {
			out = append(out, m)
		}
	}
	return out, nil
}

// pageOptions is the request options of one page of a gitlab.Scan: the
// first page has no page option.
func pageOptions(ctx context.Context, page gitlab.PaginationOptionFunc) []gitlab.RequestOptionFunc {
	opts := []gitlab.RequestOptionFunc{gitlab.WithContext(ctx)}
	if page != nil {
		opts = append(opts, page)
	}
	return opts
}

// loadMRs reads vigil's open merge requests: the one read an unchanged
// scan costs.
func (r *run) loadMRs(ctx context.Context) error {
	open, err := r.listMRs(ctx, r.p.ID, r.opts.BotLabel, "opened", "")
	if err != nil {
		return err
	}
	r.byBranch, r.byKey, r.open = map[string]*gitlab.BasicMergeRequest{}, map[string]*gitlab.BasicMergeRequest{}, 0
	for _, m := range open {
		mk, ours := readMarker(m.Description)
		if !ours {
			continue
		}
		r.byBranch[m.SourceBranch] = m
		r.byKey[mk.Key] = m
		r.open++
	}
	return nil
}

// declined reports whether people closed vigil's merge request from branch
// without merging: the memory knows, or GitLab's closed list tells it.
func (r *run) declined(ctx context.Context, branch string) (bool, error) {
	known, err := r.memory.Declined(ctx, r.p.Path, branch)
	if err != nil || known {
		return known, wrap("recall declined "+branch, err)
	}
	closed, err := r.listMRs(ctx, r.p.ID, r.opts.BotLabel, "closed", branch)
	if err != nil {
		return false, err
	}
	for _, m := range closed {
		if _, ours := readMarker(m.Description); ours && m.SourceBranch == branch {
			return true, wrap("remember declined "+branch, r.memory.Decline(ctx, r.p.Path, branch))
		}
	}
	return false, nil
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
	for _, path := range slices.Sorted(maps.Keys(c.Files)) {
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
// the default branch (force), so a rebuilt branch carries no stale history
// and a retried commit lands the same tree again.
func (e *Engine) commit(ctx context.Context, p Project, base, branch, message string, c patch.Change) error {
	opt := &gitlab.CreateCommitOptions{
		Branch: gitlab.Ptr(branch), StartBranch: gitlab.Ptr(p.DefaultBranch), Force: gitlab.Ptr(true),
		CommitMessage: gitlab.Ptr(message), Actions: commitActions(base, c),
	}
	if e.opts.AuthorName != "" {
		opt.AuthorName = gitlab.Ptr(e.opts.AuthorName)
	}
	if e.opts.AuthorEmail != "" {
		opt.AuthorEmail = gitlab.Ptr(e.opts.AuthorEmail)
	}
	return e.write(ctx, "commit to "+branch, func() (*gitlab.Response, error) {
		_, resp, err := e.client.Commits.CreateCommit(p.ID, opt, gitlab.WithContext(ctx))
		return resp, err
	})
}

func commitActions(base string, c patch.Change) []*gitlab.CommitActionOptions {
	var actions []*gitlab.CommitActionOptions
	for _, path := range slices.Sorted(maps.Keys(c.Files)) {
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
	return actions
}

// createMR opens the merge request. When an earlier attempt landed but
// its answer was lost, GitLab refuses a second one for the branch (409):
// that one is the merge request.
func (e *Engine) createMR(ctx context.Context, pid any, opt *gitlab.CreateMergeRequestOptions) (*gitlab.MergeRequest, error) {
	branch := *opt.SourceBranch
	var created *gitlab.MergeRequest
	err := e.write(ctx, "open merge request for "+branch, func() (*gitlab.Response, error) {
		m, resp, err := e.client.MergeRequests.CreateMergeRequest(pid, opt, gitlab.WithContext(ctx))
		if resp != nil && resp.StatusCode == http.StatusConflict {
			if err := e.adopt(ctx, pid, branch, &created); err != nil {
				return resp, permanent{err}
			}
			return resp, nil
		}
		created = m
		return resp, err
	})
	if err != nil {
		return nil, err
	}
	return created, nil
}

// adopt finds the open merge request from branch that GitLab already has.
func (e *Engine) adopt(ctx context.Context, pid any, branch string, into **gitlab.MergeRequest) error {
	open, err := e.listMRs(ctx, pid, e.opts.BotLabel, "opened", branch)
	if err != nil {
		return err
	}
	for _, m := range open {
		if m.SourceBranch == branch {
			*into = &gitlab.MergeRequest{BasicMergeRequest: *m}
			return nil
		}
	}
	return fmt.Errorf("open merge request for %s: GitLab reports one exists, but lists none", branch)
}

// assignees are the people assigned to the tracking issues.
func (e *Engine) assignees(ctx context.Context, p Project, issues []int64) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, iid := range issues {
		is, _, err := e.client.Issues.GetIssue(p.ID, iid, gitlab.WithContext(ctx))
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

// closeMR closes a merge request, then says why. Closing is repeated until
// it lands (it is idempotent); the note is tried once, as a lost answer
// would otherwise post it twice and a missing one hides nothing.
func (e *Engine) closeMR(ctx context.Context, p Project, iid int64, note string) error {
	err := e.write(ctx, fmt.Sprintf("close !%d", iid), func() (*gitlab.Response, error) {
		_, resp, err := e.client.MergeRequests.UpdateMergeRequest(p.ID, iid, &gitlab.UpdateMergeRequestOptions{StateEvent: gitlab.Ptr("close")}, gitlab.WithContext(ctx))
		return resp, err
	})
	if err != nil {
		return err
	}
	if _, _, err := e.client.Notes.CreateMergeRequestNote(p.ID, iid, &gitlab.CreateMergeRequestNoteOptions{Body: gitlab.Ptr(note)}, gitlab.WithContext(ctx)); err != nil {
		e.log.WarnContext(ctx, "comment on closed merge request", "project", p.Path, "mr", iid, "err", err)
	}
	return nil
}

// autoMerge sets "merge when the pipeline succeeds"; a refusal (no
// pipeline yet, a project setting) leaves the merge request to people.
func (r *run) autoMerge(ctx context.Context, iid int64) bool {
	if _, _, err := r.client.MergeRequests.AcceptMergeRequest(r.p.ID, iid, &gitlab.AcceptMergeRequestOptions{
		AutoMerge: gitlab.Ptr(true), ShouldRemoveSourceBranch: gitlab.Ptr(true),
	}, gitlab.WithContext(ctx)); err != nil {
		r.log.WarnContext(ctx, "set auto-merge", "project", r.p.Path, "mr", iid, "err", err)
		return false
	}
	return true
}

func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}
