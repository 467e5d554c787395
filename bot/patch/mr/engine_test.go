package mr_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/patch/ecosystems"
	"gitlab.com/vigil-vm/vigil/bot/patch/mr"
	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/findings/findingstest"
	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
)

// world is the double with one project holding testdata/app, the bot's
// client, and the tracking issues #1–#4 for the findings below.
type world struct {
	srv     *gitlabdouble.Server
	project gitlabdouble.Project
	client  *gitlab.Client
	human   *gitlab.Client
	alice   gitlabdouble.User
}

func newWorld(t *testing.T) *world {
	t.Helper()
	files := readFixture(t, "testdata/app")
	files["requirements/dev.txt"] = []byte("pytest==8.0.0\njinja2==2.11.2\n") // a nested path, read back by the API
	return newWorldFiles(t, files)
}

// readFixture reads the files of a flat fixture directory.
func readFixture(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files
}

// newWorldFiles is the world with files as the project's repository.
func newWorldFiles(t *testing.T, files map[string][]byte) *world {
	t.Helper()
	srv := gitlabdouble.NewTest(t)
	bot, botToken := srv.AddUser("vigil-bot", gitlabdouble.NoAccess)
	alice, aliceToken := srv.AddUser("alice", gitlabdouble.NoAccess)
	p := srv.AddProject(gitlabdouble.ProjectSpec{Path: "acme/app", Files: files,
		Members: map[int]gitlabdouble.AccessLevel{bot.ID: gitlabdouble.Developer, alice.ID: gitlabdouble.Maintainer}})
	w := &world{srv: srv, project: p, alice: alice, client: client(t, srv, botToken), human: client(t, srv, aliceToken)}
	for i, title := range []string{"CVE-2022-32149 in golang.org/x/text", "CVE-2021-38561 in golang.org/x/text", "CVE-2020-28493 in jinja2", "CVE-2024-0727 in libssl3"} {
		opt := &gitlab.CreateIssueOptions{Title: gitlab.Ptr(title), Confidential: gitlab.Ptr(true)}
		if i == 0 {
			opt.AssigneeIDs = gitlab.Ptr([]int64{int64(alice.ID)})
		}
		if _, _, err := w.client.Issues.CreateIssue(p.ID, opt); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func client(t *testing.T, srv *gitlabdouble.Server, token string) *gitlab.Client {
	t.Helper()
	c, err := gitlab.NewClient(token, gitlab.WithBaseURL(srv.APIURL()), gitlab.WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// scored is what every finding of these tests carries besides its own
// fields: an NVD link and a CVSS score, which the merge request's body shows.
var scored = findingstest.All(findingstest.URLFor("https://nvd.nist.gov/vuln/detail/"),
	findingstest.CVSS(findings.CVSS{Version: "3.1", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", BaseScore: 7.5}))

func (w *world) request(fs ...findings.Finding) mr.Request {
	if fs == nil {
		fs = []findings.Finding{
			findingstest.Finding("CVE-2022-32149", "go-module", "golang.org/x/text", "v0.3.5", scored, findingstest.Fingerprint("fp-text-1"), findingstest.Severity(findings.High), findingstest.Fixed("0.3.8")),
			findingstest.Finding("GO-2021-0113", "go-module", "golang.org/x/text", "v0.3.5", scored, findingstest.Fingerprint("fp-text-2"), findingstest.Severity(findings.Medium), findingstest.Fixed("0.3.7")),
			findingstest.Finding("CVE-2020-28493", "python", "jinja2", "2.11.2", scored, findingstest.Fingerprint("fp-jinja"), findingstest.Severity(findings.Medium), findingstest.Fixed("2.11.3")),
			findingstest.Finding("CVE-2024-0727", "apk", "libssl3", "3.1.4-r2", scored, findingstest.Fingerprint("fp-ssl"), findingstest.Severity(findings.Low)),
		}
		fs[1].Vulnerability.Aliases = []string{"CVE-2021-38561"}
	}
	return mr.Request{
		Project:  mr.Project{ID: w.project.ID},
		Findings: fs,
		Issues:   map[string][]int64{"fp-text-1": {1}, "fp-text-2": {2}, "fp-jinja": {3}, "fp-ssl": {4}},
	}
}

func (w *world) engine(opts mr.Options, mem mr.Memory) *mr.Engine {
	return mr.New(w.client, ecosystems.All(ecosystems.Options{}), mem, opts, nil)
}

func actions(res *mr.Result) string {
	var out []string
	for _, o := range res.Outcomes {
		out = append(out, o.Ecosystem+":"+string(o.Action))
	}
	return strings.Join(out, ",")
}

func (w *world) mrByBranch(t *testing.T, branch string) gitlabdouble.MergeRequest {
	t.Helper()
	for _, m := range w.srv.MergeRequests(w.project.ID) {
		if m.SourceBranch == branch {
			return m
		}
	}
	t.Fatalf("no merge request from %s", branch)
	return gitlabdouble.MergeRequest{}
}

func TestReconcileEndToEnd(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	ctx := context.Background()
	w := newWorld(t)
	mem := mr.NewMemory()
	e := w.engine(mr.Options{}, mem)

	res, err := e.Reconcile(ctx, w.request())
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(res); got != "gomod:opened,pip:opened" {
		t.Fatalf("first run: %s", got)
	}
	goBranch := "vigil/gomod/golang.org/x/text-v0.3.8"
	m := w.mrByBranch(t, goBranch)
	if m.Title != "fix(deps): bump golang.org/x/text from v0.3.5 to v0.3.8 [security]" {
		t.Errorf("title = %q", m.Title)
	}
	for _, want := range []string{"Closes #1\n", "Closes #2\n", "| CVE-2022-32149 |", "| CVE-2021-38561 |", "`go.sum`", "7.5"} {
		if !strings.Contains(m.Description, want) {
			t.Errorf("description lacks %q:\n%s", want, m.Description)
		}
	}
	if !slices.Contains(m.Labels, "security") || !slices.Contains(m.Labels, "vigil") {
		t.Errorf("labels = %v", m.Labels)
	}
	if len(m.Assignees) != 1 || m.Assignees[0].ID != w.alice.ID {
		t.Errorf("assignees = %+v, want alice from issue #1", m.Assignees)
	}
	pipMR := w.mrByBranch(t, "vigil/pip/jinja2-2.11.3")
	if got := string(w.srv.Files(w.project.ID, pipMR.SourceBranch)["requirements.txt"]); got != "jinja2==2.11.3\nrequests==2.31.0\nurllib3==1.26.17\n" {
		t.Errorf("requirements.txt on the branch = %q", got)
	}
	if got := string(w.srv.Files(w.project.ID, pipMR.SourceBranch)["requirements/dev.txt"]); got != "pytest==8.0.0\njinja2==2.11.3\n" {
		t.Errorf("requirements/dev.txt on the branch = %q", got)
	}
	// No fix is known for libssl3, which the issue's labels already say:
	// nothing for a person to do, so no note.
	if notes := w.srv.Notes(w.project.ID, 4); len(notes) != 0 {
		t.Errorf("issue #4 notes = %+v, want none", notes)
	}

	// The branch builds with the real go command from its own go.sum.
	buildBranch(t, w.srv.Files(w.project.ID, goBranch))

	// Nothing new: no write.
	w.srv.ResetCalls()
	res, err = e.Reconcile(ctx, w.request())
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(res); got != "gomod:unchanged,pip:unchanged" {
		t.Errorf("second run: %s", got)
	}
	if writes := w.srv.Writes(); len(writes) != 0 {
		t.Errorf("second run wrote: %+v", writes)
	}

	// Closed without merge: never reopened for that version.
	if _, _, err := w.human.MergeRequests.UpdateMergeRequest(w.project.ID, int64(pipMR.IID), &gitlab.UpdateMergeRequestOptions{StateEvent: gitlab.Ptr("close")}); err != nil {
		t.Fatal(err)
	}
	w.srv.ResetCalls()
	res, err = w.engine(mr.Options{}, mr.NewMemory()).Reconcile(ctx, w.request()) // fresh memory: GitLab's closed list refills it
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(res); got != "gomod:unchanged,pip:declined" {
		t.Errorf("after close: %s", got)
	}
	if writes := w.srv.Writes(); len(writes) != 0 {
		t.Errorf("run after close wrote: %+v", writes)
	}

	// The default branch moves under the merge request: rebuilt on it.
	mod := strings.Replace(string(w.srv.Files(w.project.ID, "main")["go.mod"]), "go 1.21", "go 1.22", 1)
	if _, _, err := w.human.Commits.CreateCommit(w.project.ID, &gitlab.CreateCommitOptions{
		Branch: gitlab.Ptr("main"), CommitMessage: gitlab.Ptr("go 1.22"),
		Actions: []*gitlab.CommitActionOptions{{Action: gitlab.Ptr(gitlab.FileUpdate), FilePath: gitlab.Ptr("go.mod"), Content: gitlab.Ptr(mod)}},
	}); err != nil {
		t.Fatal(err)
	}
	res, err = e.Reconcile(ctx, w.request())
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(res); got != "gomod:rebuilt,pip:declined" {
		t.Errorf("after the default branch moved: %s", got)
	}
	rebuilt := string(w.srv.Files(w.project.ID, goBranch)["go.mod"])
	if !strings.Contains(rebuilt, "go 1.22") || !strings.Contains(rebuilt, "golang.org/x/text v0.3.8") {
		t.Errorf("rebuilt go.mod:\n%s", rebuilt)
	}
	if n := len(w.srv.MergeRequests(w.project.ID)); n != 2 {
		t.Errorf("%d merge requests, want still 2", n)
	}

	// Merging closes the tracking issues.
	if err := w.srv.MergeMRAs("alice", w.project.ID, m.IID); err != nil {
		t.Fatal(err)
	}
	for _, is := range w.srv.Issues(w.project.ID) {
		if want := map[int]string{1: "closed", 2: "closed", 3: "opened", 4: "opened"}[is.IID]; is.State != want {
			t.Errorf("issue #%d is %s, want %s", is.IID, is.State, want)
		}
	}

	// Merged but not rescanned yet: the findings are still reported, the
	// default branch has the fix; nothing is written.
	w.srv.ResetCalls()
	res, err = e.Reconcile(ctx, w.request())
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(res); got != "gomod:current,pip:declined" {
		t.Errorf("after merge: %s", got)
	}
	if writes := w.srv.Writes(); len(writes) != 0 {
		t.Errorf("run after merge wrote: %+v", writes)
	}
}

func TestReconcileCapAndCleanup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	jinja := findingstest.Finding("CVE-2020-28493", "python", "jinja2", "2.11.2", scored, findingstest.Fingerprint("fp-jinja"), findingstest.Severity(findings.Medium), findingstest.Fixed("2.11.3"))
	urllib3 := findingstest.Finding("CVE-2023-45803", "python", "urllib3", "1.26.17", scored, findingstest.Fingerprint("fp-urllib3"), findingstest.Severity(findings.High), findingstest.Fixed("1.26.18"))
	e := w.engine(mr.Options{MaxOpen: 1, AutoMerge: []findings.Severity{findings.High}}, nil)
	res, err := e.Reconcile(ctx, w.request(jinja, urllib3))
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(res); got != "pip:opened,pip:capped" || res.Outcomes[0].Package != "urllib3" {
		t.Fatalf("capped run: %s (%+v)", got, res.Outcomes)
	}
	reqMR := w.mrByBranch(t, "vigil/pip/urllib3-1.26.18")
	if !reqMR.MergeWhenPipelineSucceeds {
		t.Error("a High patch-level bump is not set to merge when the pipeline succeeds")
	}
	// urllib3 is fixed another way: its merge request closes, freeing a slot for jinja2.
	res, err = e.Reconcile(ctx, w.request(jinja))
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(res); got != "pip:opened" || len(res.Closed) != 1 || res.Closed[0] != int64(reqMR.IID) {
		t.Errorf("cleanup run: %s, closed %v", got, res.Closed)
	}
	if got := w.mrByBranch(t, reqMR.SourceBranch).State; got != "closed" {
		t.Errorf("unneeded merge request is %s", got)
	}
	if m := w.mrByBranch(t, "vigil/pip/jinja2-2.11.3"); m.MergeWhenPipelineSucceeds {
		t.Error("a Medium bump was set to auto-merge")
	}
}

func TestReconcileNotesSkips(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	// x/text only in a major version vigil will not cross: a note, no MR.
	f := findingstest.Finding("CVE-2022-32149", "go-module", "golang.org/x/text", "v0.3.5", scored, findingstest.Fingerprint("fp-text-1"), findingstest.Severity(findings.High), findingstest.Fixed("1.0.0"))
	e := w.engine(mr.Options{}, nil)
	for range 2 {
		if _, err := e.Reconcile(ctx, w.request(f)); err != nil {
			t.Fatal(err)
		}
	}
	notes := w.srv.Notes(w.project.ID, 1)
	if len(notes) != 1 || !strings.Contains(notes[0].Body, "major version") {
		t.Errorf("issue #1 notes = %+v, want exactly one about the major version", notes)
	}
	if n := len(w.srv.MergeRequests(w.project.ID)); n != 0 {
		t.Errorf("%d merge requests opened", n)
	}
}

func buildBranch(t *testing.T, files map[string][]byte) {
	t.Helper()
	dir := t.TempDir()
	for p, b := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "build", "-o", os.DevNull, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOWORK=off", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("the merge request's files do not build: %v\n%s", err, out)
	}
}
