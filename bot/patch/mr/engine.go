package mr

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/markdown"
	"gitlab.com/vigil-vm/vigil/bot/patch"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Project is the GitLab project the merge requests go to.
type Project struct {
	ID            any    // numeric id or "group/app"
	Path          string // "group/app"; read from GitLab when empty
	DefaultBranch string // read from GitLab when empty
}

// Request is every active finding of one project. Findings absent from a
// request are gone: their merge requests are closed.
type Request struct {
	Project  Project
	Findings []findings.Finding
	// Issues maps a finding's fingerprint to its tracking issues (iids).
	Issues map[string][]int64
}

// Action is what happened to one fix.
type Action string

// Actions.
const (
	Opened    Action = "opened"    // new branch and merge request
	Rebuilt   Action = "rebuilt"   // branch recommitted on the current default branch
	Updated   Action = "updated"   // title, description or labels refreshed
	Unchanged Action = "unchanged" // nothing to write
	Declined  Action = "declined"  // closed without merge before; not reopened
	Capped    Action = "capped"    // the open merge request limit is reached
	Current   Action = "current"   // the default branch already has the fix; awaiting a rebuild
	Absent    Action = "absent"    // nothing in the repository declares the package; silent
	Blocked   Action = "blocked"   // a person must act first; the issues got a note
	Failed    Action = "failed"    // the patcher's machinery failed; logged
	Planned   Action = "planned"   // a dry run would try this fix
)

// Outcome is what one fix came to.
type Outcome struct {
	Ecosystem, Package, From, To string
	Severity                     findings.Severity
	Branch                       string
	MR                           int64 // iid, when there is a merge request
	Action                       Action
	Reason                       string
	AutoMerge                    bool
}

// Result is a reconciliation's outcomes and the merge requests it closed.
type Result struct {
	Outcomes  []Outcome
	Closed    []int64
	Unfixable []patch.Unfixable
}

// Engine turns a project's findings into vigil merge requests.
type Engine struct {
	client   *gitlab.Client
	patchers []patch.Patcher // every ecosystem; Options.Disabled filters them
	memory   Memory
	opts     Options
	log      *slog.Logger
	steady   *steadyState
	self     self
}

// New returns an engine over every patcher vigil has; the options say
// which ecosystems are off, and the engine alone applies that. A nil
// memory remembers for the engine's life only; a nil logger discards.
func New(client *gitlab.Client, patchers []patch.Patcher, memory Memory, opts Options, log *slog.Logger) *Engine {
	if memory == nil {
		memory = NewMemory()
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Engine{client: client, patchers: patchers, memory: memory, opts: opts.withDefaults(), log: log,
		steady: &steadyState{projects: map[string]Project{}, last: map[string]steadyEntry{}}}
}

// Reconcile makes the project's vigil merge requests match its findings:
// it opens, rebuilds, updates and closes merge requests, and notes on the
// tracking issues what a person must do before a fix can be proposed.
// Running it twice with the same findings writes nothing the second time,
// and reads nothing but the open merge requests.
func (e *Engine) Reconcile(ctx context.Context, req Request) (*Result, error) {
	fixes, unfixable := e.plan(req)
	if e.opts.DryRun {
		return planned(fixes, unfixable), nil
	}
	p, err := e.project(ctx, req.Project)
	if err != nil {
		return nil, err
	}
	r := &run{Engine: e, p: p, notes: &issueNotes{e: e, p: p, read: map[int64]string{}}, res: &Result{Unfixable: unfixable}}
	if err := r.loadMRs(ctx); err != nil {
		return nil, err
	}
	key := steadyKey(fixes, unfixable, r.byBranch)
	if res, ok := e.steady.unchanged(p.Path, key, e.opts.Recheck); ok {
		return res, nil
	}
	scratch, err := os.MkdirTemp("", "vigil-patch-")
	if err != nil {
		return nil, fmt.Errorf("make scratch directory: %w", err)
	}
	defer os.RemoveAll(scratch)
	r.scratch = scratch
	res, err := r.reconcile(ctx, fixes, unfixable)
	if err != nil {
		return res, err
	}
	// The merge requests as they are now, so that the next unchanged scan
	// recognises them.
	if err := r.loadMRs(ctx); err != nil {
		return res, err
	}
	e.steady.remember(p.Path, steadyKey(fixes, unfixable, r.byBranch), res)
	return res, nil
}

// project fills in the path and default branch, read once per engine.
func (e *Engine) project(ctx context.Context, p Project) (Project, error) {
	if p.ID == nil {
		p.ID = p.Path
	}
	if p.Path != "" && p.DefaultBranch != "" {
		return p, nil
	}
	if known, ok := e.steady.project(fmt.Sprint(p.ID)); ok {
		return known, nil
	}
	gp, _, err := e.client.Projects.GetProject(p.ID, nil, gitlab.WithContext(ctx))
	if err != nil {
		return p, fmt.Errorf("read project %v: %w", p.ID, err)
	}
	p.Path = cmp.Or(p.Path, gp.PathWithNamespace)
	p.DefaultBranch = cmp.Or(p.DefaultBranch, gp.DefaultBranch, "main")
	e.steady.setProject(fmt.Sprint(p.ID), p)
	return p, nil
}

// run is one reconciliation's state.
type run struct {
	*Engine
	p        Project
	scratch  string
	notes    *issueNotes
	res      *Result
	archive  []byte
	base     string // pristine copy of the default branch
	byBranch map[string]*gitlab.BasicMergeRequest
	byKey    map[string]*gitlab.BasicMergeRequest
	open     int
}

func (r *run) reconcile(ctx context.Context, fixes []patch.Fix, unfixable []patch.Unfixable) (*Result, error) {
	if len(fixes) > 0 {
		var err error
		if r.archive, err = r.Engine.archive(ctx, r.p); err != nil {
			return r.res, err
		}
		if r.base, err = r.fetch(); err != nil {
			return r.res, err
		}
	}
	// Close what is no longer needed first: it frees room under the cap.
	if err := r.closeUnneeded(ctx, fixes); err != nil {
		return r.res, err
	}
	for _, fix := range fixes {
		o, err := r.apply(ctx, fix)
		if err != nil {
			return r.res, err
		}
		r.log.InfoContext(ctx, "patch", "project", r.p.Path, "ecosystem", o.Ecosystem, "package", o.Package, "to", o.To, "action", o.Action, "mr", o.MR, "reason", o.Reason)
		r.res.Outcomes = append(r.res.Outcomes, o)
	}
	for _, u := range unfixable {
		if !u.Actionable {
			continue
		}
		f := u.Finding
		text := fmt.Sprintf("vigil cannot propose a patch merge request for `%s` %s (%s): %s.",
			markdown.Code(f.Package.Name), markdown.Inline(f.Package.Version), markdown.Inline(f.Key()), u.Reason)
		if err := r.notes.postAll(ctx, u.Issues, text); err != nil {
			return r.res, err
		}
	}
	return r.res, nil
}
