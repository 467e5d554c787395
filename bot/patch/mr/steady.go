package mr

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/patch"
)

// steadyState remembers, per project, what the last reconciliation saw
// and did, so that an unchanged scan costs one merge request list.
type steadyState struct {
	mu       sync.Mutex
	projects map[string]Project
	last     map[string]steadyEntry
}

type steadyEntry struct {
	key string
	res Result
	at  time.Time
}

func (s *steadyState) project(id string) (Project, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.projects[id]
	return p, ok
}

func (s *steadyState) setProject(id string, p Project) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.projects[id] = p
}

// unchanged returns the last result, every write marked done, when the
// project's fixes and merge requests are what they were after it, and it
// is more recent than recheck: what the engine cannot see from GitLab (a
// base image tag published since) is looked at again that often.
func (s *steadyState) unchanged(project, key string, recheck time.Duration) (*Result, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	last, ok := s.last[project]
	if !ok || last.key != key || time.Since(last.at) >= recheck {
		return nil, false
	}
	res := &Result{Unfixable: last.res.Unfixable}
	for _, o := range last.res.Outcomes {
		switch o.Action {
		case Opened, Rebuilt, Updated:
			o.Action, o.Reason = Unchanged, ""
		}
		res.Outcomes = append(res.Outcomes, o)
	}
	return res, true
}

func (s *steadyState) remember(project, key string, res *Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if retryable(res) {
		delete(s.last, project)
		return
	}
	s.last[project] = steadyEntry{key: key, res: *res, at: time.Now()}
}

// retryable reports whether a result must be tried again even when nothing
// changes: a patcher's machinery failed.
func retryable(res *Result) bool {
	for _, o := range res.Outcomes {
		if o.Action == Failed {
			return true
		}
	}
	return false
}

// steadyKey sums up what a reconciliation depends on: the fixes with their
// findings and issues, the notes owed, and vigil's open merge requests as
// GitLab reports them (head, conflicts, labels). Equal keys mean nothing
// to do.
func steadyKey(fixes []patch.Fix, unfixable []patch.Unfixable, open map[string]*gitlab.BasicMergeRequest) string {
	h := sha256.New()
	for _, f := range fixes {
		fmt.Fprintf(h, "fix %s %s %s %s %v\n", f.Ecosystem, f.Package, f.From, f.To, f.Issues)
		for _, fd := range f.Findings {
			fmt.Fprintf(h, " %s %s %s %s\n", fd.Fingerprint, fd.Key(), fd.Package.Version, fd.Vulnerability.Severity)
		}
	}
	for _, u := range unfixable {
		if u.Actionable {
			fmt.Fprintf(h, "note %v %s\n", u.Issues, u.Reason)
		}
	}
	branches := make([]string, 0, len(open))
	for b := range open {
		branches = append(branches, b)
	}
	sort.Strings(branches)
	for _, b := range branches {
		m := open[b]
		labels := slices.Clone(m.Labels)
		sort.Strings(labels)
		fmt.Fprintf(h, "mr %d %s %s %v %s %s\n", m.IID, b, m.SHA, m.HasConflicts, strings.Join(labels, ","), m.Title)
	}
	return hex.EncodeToString(h.Sum(nil))
}
