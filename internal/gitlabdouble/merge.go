package gitlabdouble

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// errConflict is why a merge request cannot be merged.
var errConflict = fmt.Errorf("merge conflict")

// mergeTrees computes the target tree after merging the source branch with
// a file-level three-way merge from the merge base; a file changed
// differently on both sides is a conflict.
func (s *Server) mergeTrees(p *projectState, m *mrState) (map[string][]byte, error) {
	src := p.repo.commits[p.repo.branches[m.SourceBranch]]
	dst := p.repo.commits[p.repo.branches[m.TargetBranch]]
	if src == nil || dst == nil {
		return nil, errConflict
	}
	base := p.repo.mergeBase(src.ID, dst.ID)
	var baseFiles map[string][]byte
	if base != nil {
		baseFiles = base.files
	}
	out := maps.Clone(dst.files)
	paths := map[string]bool{}
	for k := range src.files {
		paths[k] = true
	}
	for k := range baseFiles {
		paths[k] = true
	}
	for fp := range paths {
		b, inBase := baseFiles[fp]
		sv, inSrc := src.files[fp]
		dv, inDst := dst.files[fp]
		srcChanged := inSrc != inBase || string(sv) != string(b)
		dstChanged := inDst != inBase || string(dv) != string(b)
		switch {
		case !srcChanged:
		case !dstChanged || (inSrc == inDst && string(sv) == string(dv)):
			if inSrc {
				out[fp] = sv
			} else {
				delete(out, fp)
			}
		default:
			return nil, errConflict
		}
	}
	return out, nil
}

// mergeBase finds the nearest common ancestor of a and b.
func (r *repository) mergeBase(a, b string) *commit {
	seen := map[string]bool{}
	queue := []string{b}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if seen[id] {
			continue
		}
		seen[id] = true
		if c := r.commits[id]; c != nil {
			queue = append(queue, c.ParentIDs...)
		}
	}
	queue = []string{a}
	visited := map[string]bool{}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if seen[id] {
			return r.commits[id]
		}
		if visited[id] {
			continue
		}
		visited[id] = true
		if c := r.commits[id]; c != nil {
			queue = append(queue, c.ParentIDs...)
		}
	}
	return nil
}

// closingPattern is GitLab's default issue closing pattern.
var closingPattern = regexp.MustCompile(`(?i)\b(?:(?:clos(?:e[sd]?|ing)|fix(?:e[sd]|ing)?|resolv(?:e[sd]?|ing)|implement(?:s|ed|ing)?)(?::?) +(?:(?:issues? +)?#\d+(?:(?: *,? +and +| *,? *)?)|(?:issues? +)?#\d+)+)`)

var issueRef = regexp.MustCompile(`#(\d+)`)

// closesIssues lists the iids a description closes on merge, as GitLab reads them.
func closesIssues(text string) []int {
	var out []int
	for _, m := range closingPattern.FindAllString(text, -1) {
		for _, ref := range issueRef.FindAllStringSubmatch(m, -1) {
			n, err := strconv.Atoi(ref[1])
			if err == nil && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

// pipelinePassed reports whether the newest pipeline for ref at sha succeeded.
func (s *Server) pipelinePassed(p *projectState, ref, sha string) bool {
	for k := len(p.pipelines) - 1; k >= 0; k-- {
		if pl := p.pipelines[k]; pl.Ref == ref && pl.SHA == sha {
			return pl.Status == "success"
		}
	}
	return false
}

// merge creates the merge commit on the target branch, closes the issues
// the description names (when the target is the default branch), and sends
// the hooks GitLab sends. The caller holds s.mu.
func (s *Server) merge(p *projectState, m *mrState, by *userState, message string) error {
	files, err := s.mergeTrees(p, m)
	if err != nil {
		return err
	}
	before := *m
	src := p.repo.branches[m.SourceBranch]
	dst := p.repo.branches[m.TargetBranch]
	if message == "" {
		message = fmt.Sprintf("Merge branch '%s' into '%s'\n\n%s", m.SourceBranch, m.TargetBranch, m.Title)
		if refs := closesIssues(m.Description); len(refs) > 0 {
			var parts []string
			for _, n := range refs {
				parts = append(parts, "#"+strconv.Itoa(n))
			}
			message += "\n\nCloses " + strings.Join(parts, ", ")
		}
		message += "\n\nSee merge request " + p.PathWithNamespace + "!" + strconv.Itoa(m.IID)
	}
	now := s.now()
	c := p.repo.commit(m.TargetBranch, dst, files, message, by.Name, by.email, now)
	c.ParentIDs = append(c.ParentIDs, src)
	m.State, m.MergedAt, m.MergedBy, m.MergeCommitSHA, m.mergedSHA, m.UpdatedAt = "merged", &now, by.ID, c.ID, src, now
	m.autoMerge = false
	if m.removeSourceBranch {
		delete(p.repo.branches, m.SourceBranch)
	}
	p.LastActivityAt = now
	s.mrEvent(p, m, by, "merge", mrChanges(&before, m))
	if m.TargetBranch == p.DefaultBranch {
		for _, iid := range closesIssues(m.Description) {
			i := p.issue(iid)
			if i == nil || i.State != "opened" {
				continue
			}
			ib := *i
			s.closeIssue(p, i, by.ID)
			s.addNote(issueNoteable(i), by.ID, "closed via merge request "+p.PathWithNamespace+"!"+strconv.Itoa(m.IID), true, false)
			ch := issueChanges(&ib, i)
			ch["updated_at"] = change{hookTime(ib.UpdatedAt), hookTime(i.UpdatedAt)}
			s.issueEvent(p, i, by, "close", ch)
		}
	}
	return nil
}

// mergeWhenPipelineSucceeds merges the open merge requests waiting on pl. The caller holds s.mu.
func (s *Server) mergeWhenPipelineSucceeds(p *projectState, pl *Pipeline) {
	for _, m := range p.mrs {
		if m.State == "opened" && m.autoMerge && m.SourceBranch == pl.Ref && p.repo.branches[m.SourceBranch] == pl.SHA {
			by := s.users[m.autoMergeBy]
			if err := s.merge(p, m, by, ""); err != nil {
				m.autoMerge = false
				s.addNote(mrNoteable(m), by.ID, "aborted the automatic merge because the merge request cannot be merged", true, false)
			}
		}
	}
}

// MergeMRAs merges a merge request as the named user would in the UI.
func (s *Server) MergeMRAs(username string, projectID, iid int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustProject(projectID)
	m := p.mr(iid)
	if m == nil || m.State != "opened" {
		return fmt.Errorf("merge !%d: not an open merge request", iid)
	}
	if err := s.merge(p, m, s.mustUser(username), ""); err != nil {
		return fmt.Errorf("merge !%d: %w", iid, err)
	}
	return nil
}
