package mr

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go"

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
	Issues map[string][]int
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
	Skipped   Action = "skipped"   // the patcher refused; the issues got a note
	Failed    Action = "failed"    // the patcher failed; the issues got a note
	Planned   Action = "planned"   // a dry run would propose this fix
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
	patchers []patch.Patcher
	memory   Memory
	opts     Options
	log      *slog.Logger
}

// New returns an engine. A nil memory keeps declines for the engine's life
// only; a nil logger discards.
func New(client *gitlab.Client, patchers []patch.Patcher, memory Memory, opts Options, log *slog.Logger) *Engine {
	if memory == nil {
		memory = NewMemory()
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Engine{client: client, patchers: patchers, memory: memory, opts: opts.withDefaults(), log: log}
}

// Reconcile makes the project's vigil merge requests match its findings:
// it opens, rebuilds, updates and closes merge requests, and notes on the
// tracking issues why a fix could not be proposed. Running it twice with
// the same findings writes nothing the second time.
func (e *Engine) Reconcile(ctx context.Context, req Request) (*Result, error) {
	p, err := e.project(ctx, req.Project)
	if err != nil {
		return nil, err
	}
	scratch, err := os.MkdirTemp("", "vigil-patch-")
	if err != nil {
		return nil, fmt.Errorf("make scratch directory: %w", err)
	}
	defer os.RemoveAll(scratch)
	r := &run{Engine: e, p: p, scratch: scratch, notes: &issueNotes{e: e, p: p, cache: map[int]string{}}, res: &Result{}}
	return r.reconcile(ctx, req)
}

func (e *Engine) project(ctx context.Context, p Project) (Project, error) {
	if p.ID == nil {
		p.ID = p.Path
	}
	if p.Path != "" && p.DefaultBranch != "" {
		return p, nil
	}
	gp, _, err := e.client.Projects.GetProject(p.ID, nil, gitlab.WithContext(ctx))
	if err != nil {
		return p, fmt.Errorf("read project %v: %w", p.ID, err)
	}
	p.Path = cmpOr(p.Path, gp.PathWithNamespace)
	p.DefaultBranch = cmpOr(p.DefaultBranch, gp.DefaultBranch, "main")
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
	keep     map[string]bool // keys whose merge requests stay open
	keepEco  map[string]bool // ecosystems whose merge requests all stay open
}

func (r *run) reconcile(ctx context.Context, req Request) (*Result, error) {
	var patchers []patch.Patcher
	r.keepEco = map[string]bool{}
	for _, pt := range r.patchers {
		if slices.Contains(r.opts.Disabled, pt.Name()) {
			r.keepEco[pt.Name()] = true
			continue
		}
		patchers = append(patchers, pt)
	}
	var fs []findings.Finding
	for _, f := range req.Findings {
		if f.Vulnerability.Severity >= r.opts.MinSeverity && !r.disabled(f) {
			fs = append(fs, f)
		}
	}
	fixes, unfixable := patch.Plan(fs, patchers, func(fp string) []int { return req.Issues[fp] })
	r.res.Unfixable = unfixable
	if err := r.loadMRs(ctx); err != nil {
		return nil, err
	}
	if len(fixes) > 0 {
		var err error
		if r.archive, err = r.Engine.archive(ctx, r.p); err != nil {
			return nil, err
		}
		if r.base, err = r.fetch(); err != nil {
			return nil, err
		}
	}
	// Close what is no longer needed first: it frees room under the cap.
	r.keep = map[string]bool{}
	for _, fix := range fixes {
		if _, grouped := r.patcher(patchers, fix.Ecosystem).(patch.Grouper); grouped {
			r.keepEco[fix.Ecosystem] = true
		} else {
			r.keep[fix.Ecosystem+"/"+fix.Package] = true
		}
	}
	if err := r.closeUnneeded(ctx); err != nil {
		return r.res, err
	}
	for _, fix := range fixes {
		o, err := r.apply(ctx, fix, patchers)
		if err != nil {
			return r.res, err
		}
		r.log.InfoContext(ctx, "patch", "project", r.p.Path, "ecosystem", o.Ecosystem, "package", o.Package, "to", o.To, "action", o.Action, "mr", o.MR, "reason", o.Reason)
		r.res.Outcomes = append(r.res.Outcomes, o)
	}
	for _, u := range unfixable {
		for _, iid := range req.Issues[u.Finding.Fingerprint] {
			text := fmt.Sprintf("vigil cannot propose a patch merge request for `%s` %s (%s): %s.", u.Finding.Package.Name, u.Finding.Package.Version, u.Finding.Key(), u.Reason)
			if err := r.notes.post(ctx, iid, text); err != nil {
				return r.res, err
			}
		}
	}
	return r.res, nil
}

// disabled reports whether a turned-off ecosystem owns the finding: it
// gets neither a merge request nor a note.
func (r *run) disabled(f findings.Finding) bool {
	for _, pt := range r.patchers {
		if slices.Contains(r.opts.Disabled, pt.Name()) && pt.Handles(f) {
			return true
		}
	}
	return false
}

func (r *run) patcher(ps []patch.Patcher, name string) patch.Patcher {
	for _, p := range ps {
		if p.Name() == name {
			return p
		}
	}
	return nil
}

// loadMRs reads vigil's open merge requests and remembers the closed ones.
func (r *run) loadMRs(ctx context.Context) error {
	closed, err := r.listMRs(ctx, r.p.ID, r.opts.BotLabel, "closed")
	if err != nil {
		return err
	}
	for _, m := range closed {
		if _, ours := readMarker(m.Description); ours {
			if err := r.memory.Decline(ctx, r.p.Path, m.SourceBranch); err != nil {
				return fmt.Errorf("remember declined %s: %w", m.SourceBranch, err)
			}
		}
	}
	open, err := r.listMRs(ctx, r.p.ID, r.opts.BotLabel, "opened")
	if err != nil {
		return err
	}
	r.byBranch, r.byKey = map[string]*gitlab.BasicMergeRequest{}, map[string]*gitlab.BasicMergeRequest{}
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

// apply runs the patcher on a fresh copy and brings the merge request in line.
func (r *run) apply(ctx context.Context, fix patch.Fix, patchers []patch.Patcher) (Outcome, error) {
	o := Outcome{Ecosystem: fix.Ecosystem, Package: fix.Package, From: fix.From, To: fix.To, Severity: patch.MaxSeverity(fix)}
	pt := r.patcher(patchers, fix.Ecosystem)
	if pt == nil {
		return o, fmt.Errorf("no patcher named %s", fix.Ecosystem)
	}
	dir, err := r.fetch()
	if err != nil {
		return o, err
	}
	defer os.RemoveAll(dir)
	c, perr := pt.Update(ctx, dir, fix)
	if perr == nil && c.Current {
		o.Action, o.Reason = Current, "the default branch already has the fixed version"
		return o, nil
	}
	if perr != nil || c.Skipped != "" || c.Empty() {
		o.Action, o.Reason = Skipped, c.Skipped
		if perr != nil {
			o.Action, o.Reason = Failed, shorten(perr.Error())
		} else if o.Reason == "" {
			o.Reason = "the patcher changed no file"
		}
		verb := "cannot propose"
		if o.Action == Failed {
			verb = "could not prepare"
		}
		text := fmt.Sprintf("vigil %s a patch merge request bumping `%s` to %s: %s", verb, fix.Package, fix.To, o.Reason)
		for _, iid := range fix.Issues {
			if err := r.notes.post(ctx, iid, text); err != nil {
				return o, err
			}
		}
		return o, nil
	}
	b := bump{Ecosystem: fix.Ecosystem, Package: cmpOr(c.Package, fix.Package), From: cmpOr(c.From, fix.From), To: cmpOr(c.To, fix.To)}
	o.Package, o.From, o.To = b.Package, b.From, b.To
	o.Branch = Branch(b.Ecosystem, b.Package, b.To)
	title, body := Title(b.Package, b.From, b.To), description(b, fix, c)

	if m := r.byBranch[o.Branch]; m != nil {
		o.MR = m.IID
		return r.refresh(ctx, o, m, title, body, c)
	}
	declined, err := r.memory.Declined(ctx, r.p.Path, o.Branch)
	if err != nil {
		return o, fmt.Errorf("recall declined %s: %w", o.Branch, err)
	}
	if declined {
		o.Action, o.Reason = Declined, "a merge request for this version was closed without merging"
		return o, nil
	}
	old := r.byKey[b.key()]
	if old != nil {
		if mk, _ := readMarker(old.Description); patch.CompareVersions(mk.Version, b.To) >= 0 {
			o.MR, o.Action, o.Reason = old.IID, Unchanged, "an open merge request already bumps to "+mk.Version
			return o, nil
		}
	}
	if old == nil && r.open >= r.opts.MaxOpen {
		o.Action, o.Reason = Capped, fmt.Sprintf("%d vigil merge requests are open (limit %d)", r.open, r.opts.MaxOpen)
		return o, nil
	}
	if err := r.commit(ctx, r.p, r.base, o.Branch, title, c); err != nil {
		return o, err
	}
	created, _, err := r.client.MergeRequests.CreateMergeRequest(r.p.ID, &gitlab.CreateMergeRequestOptions{
		Title: gitlab.Ptr(title), Description: gitlab.Ptr(body),
		SourceBranch: gitlab.Ptr(o.Branch), TargetBranch: gitlab.Ptr(r.p.DefaultBranch),
		Labels: (*gitlab.LabelOptions)(gitlab.Ptr(r.opts.labels())), AssigneeIDs: gitlab.Ptr(r.assignees(ctx, r.p, fix.Issues)),
		RemoveSourceBranch: gitlab.Ptr(true),
	}, gitlab.WithContext(ctx))
	if err != nil {
		return o, fmt.Errorf("open merge request for %s: %w", o.Branch, err)
	}
	o.MR, o.Action = created.IID, Opened
	if old != nil {
		note := fmt.Sprintf("Superseded by !%d, which bumps `%s` to %s.", created.IID, b.Package, b.To)
		if err := r.closeMR(ctx, r.p, old.IID, note); err != nil {
			return o, err
		}
		r.res.Closed = append(r.res.Closed, old.IID)
	} else {
		r.open++
	}
	if r.opts.autoMerges(o.Severity) && patchLevel(b.From, b.To) {
		if _, _, err := r.client.MergeRequests.AcceptMergeRequest(r.p.ID, created.IID, &gitlab.AcceptMergeRequestOptions{
			AutoMerge: gitlab.Ptr(true), ShouldRemoveSourceBranch: gitlab.Ptr(true),
		}, gitlab.WithContext(ctx)); err != nil {
			r.log.WarnContext(ctx, "set auto-merge", "project", r.p.Path, "mr", created.IID, "err", err)
		} else {
			o.AutoMerge = true
		}
	}
	return o, nil
}

// refresh brings an open merge request's branch and text up to date.
func (r *run) refresh(ctx context.Context, o Outcome, m *gitlab.BasicMergeRequest, title, body string, c patch.Change) (Outcome, error) {
	o.Action = Unchanged
	same, err := r.branchMatches(ctx, r.p, o.Branch, c)
	if err != nil {
		return o, err
	}
	if !same || m.HasConflicts {
		if err := r.commit(ctx, r.p, r.base, o.Branch, title, c); err != nil {
			return o, err
		}
		o.Action, o.Reason = Rebuilt, "rebuilt on the current "+r.p.DefaultBranch
	}
	labels := r.opts.labels()
	missing := false
	for _, l := range labels {
		missing = missing || !slices.Contains(m.Labels, l)
	}
	if m.Title != title || strings.TrimSpace(m.Description) != strings.TrimSpace(body) || missing {
		if _, _, err := r.client.MergeRequests.UpdateMergeRequest(r.p.ID, m.IID, &gitlab.UpdateMergeRequestOptions{
			Title: gitlab.Ptr(title), Description: gitlab.Ptr(body), AddLabels: (*gitlab.LabelOptions)(gitlab.Ptr(labels)),
		}, gitlab.WithContext(ctx)); err != nil {
			return o, fmt.Errorf("update !%d: %w", m.IID, err)
		}
		if o.Action == Unchanged {
			o.Action = Updated
		}
	}
	return o, nil
}

// closeUnneeded closes vigil merge requests whose findings are gone.
func (r *run) closeUnneeded(ctx context.Context) error {
	for _, branch := range sortedKeys(r.byBranch) {
		m := r.byBranch[branch]
		mk, _ := readMarker(m.Description)
		eco, _, _ := strings.Cut(mk.Key, "/")
		if r.keep[mk.Key] || r.keepEco[eco] || slices.Contains(r.res.Closed, m.IID) {
			continue
		}
		note := "vigil no longer detects the vulnerabilities this merge request fixes (fixed another way, or no longer present), so it is not needed any more. Closing it."
		if err := r.closeMR(ctx, r.p, m.IID, note); err != nil {
			return err
		}
		r.res.Closed = append(r.res.Closed, m.IID)
		delete(r.byBranch, branch)
		delete(r.byKey, mk.Key)
		r.open--
	}
	return nil
}

var numRE = regexp.MustCompile(`\d+`)

// patchLevel reports whether from → to changes only the third number.
func patchLevel(from, to string) bool {
	a, b := numRE.FindAllString(from, -1), numRE.FindAllString(to, -1)
	return len(a) >= 3 && len(b) >= 3 && a[0] == b[0] && a[1] == b[1] && patch.CompareVersions(from, to) < 0
}

func shorten(s string) string {
	const max = 600
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

func cmpOr(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
