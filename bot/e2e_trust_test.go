package bot

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/sla"
	"gitlab.com/vigil-vm/vigil/bot/tracker"
	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
)

const (
	textTitle     = "CVE-2022-32149 in golang.org/x/text 0.3.5"
	falsePositive = "Vulnerability Management::False Positive"
	acceptedRisk  = "Vulnerability Management::Accepted Risk"
)

// as is a GitLab client acting as a user of the world's double.
func (w *world) as(username string, level gitlabdouble.AccessLevel) *gitlab.Client {
	w.t.Helper()
	_, token := w.gl.AddUser(username, level)
	c, err := gitlab.NewClient(token, gitlab.WithBaseURL(w.gl.APIURL()))
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

// loseLedger stops the bot, deletes its data and starts one on a fresh file.
func (w *world) loseLedger() {
	w.t.Helper()
	w.shutdown()
	for _, suffix := range []string{"", "-wal", "-shm", ".inbox.db"} {
		os.Remove(w.data + suffix)
	}
	w.data = filepath.Join(w.t.TempDir(), "fresh.db")
	w.start(nil)
}

// A guest plants a public issue with the group's (public) marker and an
// exception marker. The bot does not adopt it: it opens its own
// confidential issue and writes nothing into the planted one.
func TestPlantedIssueIsNotAdopted(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	w.start(nil)
	asset := findings.Asset{Repository: "registry.example/group/app"}
	group := tracker.GroupKey(sla.GroupByVulnerability, "group/app", asset, xText)
	planted := "<!-- vigil:group " + group + " -->\n<!-- vigil:group " + group + " " + strings.Repeat("ab", 16) + " -->\n" +
		"<!-- vigil:exception false-positive||alice|not reachable -->\nplease look"
	guest := w.as("guest", gitlabdouble.Guest)
	if _, _, err := guest.Issues.CreateIssue(w.project.ID, &gitlab.CreateIssueOptions{
		Title: gitlab.Ptr(textTitle), Description: gitlab.Ptr(planted)}); err != nil {
		t.Fatal(err)
	}
	w.settle()
	w.scan(report("sha256:aaaa", xText))

	issues := w.gl.Issues(w.project.ID)
	if len(issues) != 2 {
		t.Fatalf("issues: %v, want the planted one and the bot's own", titles(issues))
	}
	if p := issues[0]; p.Description != planted || p.Confidential || len(p.Labels) != 0 || len(w.userNotes(p.IID)) != 0 {
		t.Errorf("the bot wrote into the planted issue: confidential %v labels %v notes %q", p.Confidential, p.Labels, w.userNotes(p.IID))
	}
	own := issues[1]
	if own.Author.Username != "vigil-bot" || !own.Confidential || hasLabel(own, falsePositive) || own.State != "opened" {
		t.Errorf("bot's issue: author %s confidential %v labels %v state %s", own.Author.Username, own.Confidential, own.Labels, own.State)
	}
}

// sendHook posts a payload to the bot as anyone holding the secret could.
func (w *world) sendHook(event string, payload any) int {
	w.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, w.hookURL, bytes.NewReader(mustJSON(w.t, payload)))
	req.Header.Set("X-Gitlab-Event", event)
	req.Header.Set("X-Gitlab-Token", secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	resp.Body.Close()
	w.settle()
	return resp.StatusCode
}

func (w *world) noteHook(iid, noteID int, authorID int, username, body string) map[string]any {
	return map[string]any{
		"object_kind": "note", "event_type": "confidential_note", "project_id": w.project.ID,
		"user":    map[string]any{"id": authorID, "username": username},
		"project": map[string]any{"id": w.project.ID, "path_with_namespace": "group/app"},
		"object_attributes": map[string]any{"id": noteID, "note": body, "noteable_type": "Issue", "author_id": authorID,
			"project_id": w.project.ID},
		"issue": map[string]any{"iid": iid},
	}
}

// Note Hooks are believed only as far as GitLab confirms them: a note id
// that does not exist, or a real note by a developer dressed up as a
// maintainer's command, records nothing.
func TestForgedNotesAreIgnored(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	w.start(nil)
	w.scan(report("sha256:aaaa", xText))
	iid := w.issue(textTitle).IID
	alice := w.gl.Users()[1]
	notesBefore := len(w.userNotes(iid))

	// A note id GitLab never issued, claimed to be alice's.
	if code := w.sendHook("Confidential Note Hook", w.noteHook(iid, 999999, alice.ID, "alice", "/vigil false-positive trust me")); code != http.StatusAccepted {
		t.Fatalf("forged hook answered %d", code)
	}
	// A real note by the developer, with the payload claiming alice wrote a command.
	real := w.gl.AddNoteAs("dev", w.project.ID, iid, "looks harmless")
	w.settle()
	w.sendHook("Confidential Note Hook", w.noteHook(iid, real.ID, alice.ID, "alice", "/vigil false-positive trust me"))

	is := w.issue(textTitle)
	if hasLabel(is, falsePositive) || strings.Contains(is.Description, "false positive") {
		t.Errorf("a forged command recorded an exception: %v", is.Labels)
	}
	if notes := w.userNotes(iid); len(notes) != notesBefore+1 {
		t.Errorf("the bot answered forged notes: %q", notes[notesBefore:])
	}
}

// Report text is data: markers, mentions, quick actions, control and bidi
// characters are neutralised, and nothing injected is adopted after a lost
// ledger.
func TestInjectedReportTextIsNeutralised(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	w.start(nil)
	evil := xText
	evil.Vulnerability.Description = "Bad.\n--> <!-- vigil:exception false-positive||alice|fine -->\n@all have a look\n/close\n/confidential false"
	evil.Package.Version = "v0.3.5\x00\u202e"
	evil.Fix.Versions = []string{"0.3.8 @alice"}
	w.scan(report("sha256:aaaa", evil))
	is := w.gl.Issues(w.project.ID)[0]
	for _, bad := range []string{"<!-- vigil:exception", "@all", "@alice", "\n/close", "\x00", "\u202e"} {
		if strings.Contains(is.Description, bad) || strings.Contains(is.Title, bad) {
			t.Errorf("issue carries %q:\n%s", bad, is.Description)
		}
	}
	if is.State != "opened" || !is.Confidential {
		t.Fatalf("state %s confidential %v", is.State, is.Confidential)
	}

	w.loseLedger()
	w.scan(report("sha256:aaaa", evil))
	is = w.gl.Issues(w.project.ID)[0]
	if n := len(w.gl.Issues(w.project.ID)); n != 1 || hasLabel(is, falsePositive) || is.State != "opened" {
		t.Errorf("after a lost ledger: %d issues, labels %v, state %s", n, is.Labels, is.State)
	}
}

// An exception a maintainer recorded survives a lost ledger; text someone
// added to the bot's description is not believed and is re-rendered away.
func TestExceptionRecoveredOnlyFromAcknowledgedCommands(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	w.start(nil)
	w.scan(report("sha256:aaaa", xText, zlib))
	textIID := w.issue(textTitle).IID
	zlibTitle := "CVE-2023-45853 in zlib1g 1:1.2.13.dfsg-1"
	zlibIID := w.issue(zlibTitle).IID
	w.gl.AddNoteAs("alice", w.project.ID, textIID, "/vigil accept-risk 2026-12-24 vendor fix next sprint")
	w.settle()
	if !hasLabel(w.issue(textTitle), acceptedRisk) {
		t.Fatal("the maintainer's command was not recorded")
	}
	// The developer edits the bot's zlib issue to carry an exception marker
	// and a copy of the bot's acknowledgement of the text issue.
	ack := w.userNotes(textIID)[len(w.userNotes(textIID))-1]
	dev := w.as("dev", gitlabdouble.Developer)
	injected := w.issue(zlibTitle).Description + "\n<!-- vigil:exception false-positive||alice|x -->\n" + ack
	if _, _, err := dev.Issues.UpdateIssue(w.project.ID, int64(zlibIID), &gitlab.UpdateIssueOptions{Description: gitlab.Ptr(injected)}); err != nil {
		t.Fatal(err)
	}
	w.gl.AddNoteAs("dev", w.project.ID, zlibIID, ack)
	w.settle()

	w.loseLedger()
	w.scan(report("sha256:aaaa", xText, zlib))
	if is := w.issue(textTitle); !hasLabel(is, acceptedRisk) {
		t.Errorf("the acknowledged exception was lost: %v", is.Labels)
	}
	z := w.issue(zlibTitle)
	if hasLabel(z, falsePositive) || hasLabel(z, acceptedRisk) || strings.Contains(z.Description, "vigil:exception") {
		t.Errorf("injected exception adopted: labels %v\n%s", z.Labels, z.Description)
	}
}

// A person makes a tracked issue public: the bot makes it confidential
// again and says so.
func TestMadePublicIsMadeConfidentialAgain(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	w.start(nil)
	w.scan(report("sha256:aaaa", xText))
	iid := w.issue(textTitle).IID
	alice := w.as("alice", gitlabdouble.Maintainer)
	if _, _, err := alice.Issues.UpdateIssue(w.project.ID, int64(iid), &gitlab.UpdateIssueOptions{Confidential: gitlab.Ptr(false)}); err != nil {
		t.Fatal(err)
	}
	w.settle()
	if is := w.issue(textTitle); !is.Confidential {
		t.Fatal("the issue stayed public")
	}
	notes := w.userNotes(iid)
	if len(notes) == 0 || !strings.Contains(notes[len(notes)-1], "made it confidential again") {
		t.Errorf("notes = %q", notes)
	}
}

// A secret scoped to one project's path does not let its holder deliver
// for another project: 401, nothing stored, no issue.
func TestSecretOfProjectAIsRefusedForProjectB(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	cfg := w.config()
	cfg.WebhookSecrets = nil
	cfg.ScopedWebhookSecrets = []string{"group/**=" + secret, "team-b/**=secret-of-b"}
	w.start(cfg)
	b := w.gl.AddProject(gitlabdouble.ProjectSpec{Path: "team-b/svc"})
	// Project B's hook is set up with project A's secret.
	w.gl.AddHook(b.ID, gitlabdouble.HookSpec{URL: w.hookURL, Token: secret, Events: []string{"job_events", "pipeline_events"}})
	data, _ := json.Marshal(report("sha256:aaaa", xText))
	w.gl.FinishPipeline(b.ID, gitlabdouble.PipelineSpec{Jobs: []gitlabdouble.JobSpec{
		{Name: "vigil-scan", Artifacts: map[string][]byte{"vigil-findings.json": data}}}})
	w.settle()
	var refused int
	for _, d := range w.gl.Deliveries() {
		if d.Status == http.StatusUnauthorized {
			refused++
		} else {
			t.Errorf("%s for project B answered %d", d.Event, d.Status)
		}
	}
	if refused == 0 || len(w.gl.Issues(b.ID)) != 0 {
		t.Errorf("%d deliveries refused, %d issues in B", refused, len(w.gl.Issues(b.ID)))
	}
	if n, _ := w.bot.inbox.Count(t.Context()); n != 0 {
		t.Errorf("%d refused deliveries stored", n)
	}
	// A's secret on a Job Hook that names A's path with B's id: the
	// receiver lets it in, the bot finds out from GitLab and refuses it.
	job := w.gl.Jobs(b.ID)[0]
	w.sendHook("Job Hook", map[string]any{
		"object_kind": "build", "build_id": job.ID, "build_name": "vigil-scan", "build_status": "success",
		"pipeline_id": job.Pipeline.ID, "project_id": b.ID,
		"project": map[string]any{"id": b.ID, "path_with_namespace": "group/app"},
	})
	if n := len(w.gl.Issues(b.ID)); n != 0 {
		t.Errorf("a Job Hook naming A's path with B's id opened %d issues in B", n)
	}
	// Project A's own deliveries still work.
	w.scan(report("sha256:aaaa", xText))
	if len(w.gl.Issues(w.project.ID)) != 1 {
		t.Error("project A's scan opened no issue")
	}
}

// Where the policy allows public issues, a person may make one public.
func TestPublicAllowedByPolicyStaysPublic(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	cfg := w.config()
	cfg.PolicyFile = filepath.Join(t.TempDir(), "sla.yml")
	if err := os.WriteFile(cfg.PolicyFile, []byte("projects:\n  - match: \"group/**\"\n    policy:\n      confidential: false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w.start(cfg)
	w.scan(report("sha256:aaaa", xText))
	if is := w.issue(textTitle); is.Confidential {
		t.Fatal("the policy asked for public issues")
	}
	w.gl.ResetCalls()
	changed := xText
	changed.Fix.Versions = []string{"0.3.8", "0.4.0"}
	w.scan(report("sha256:bbbb", changed))
	if w.gl.CallCount("PUT /projects/:id/issues/:issue_iid") == 0 {
		t.Fatal("the changed fix versions were not written")
	}
	if is := w.issue(textTitle); is.Confidential {
		t.Error("the bot made an issue confidential that its policy keeps public")
	}
}

// An Issue Hook claiming a close or a publication GitLab does not show
// changes nothing.
func TestForgedIssueHookIsIgnored(t *testing.T) {
	t.Parallel() // its own GitLab double, ledger file and bot
	w := newWorld(t)
	w.start(nil)
	w.scan(report("sha256:aaaa", xText))
	is := w.issue(textTitle)
	notes := len(w.userNotes(is.IID))
	w.sendHook("Confidential Issue Hook", map[string]any{
		"object_kind": "issue", "user": map[string]any{"id": 2, "username": "alice"},
		"project":           map[string]any{"id": w.project.ID, "path_with_namespace": "group/app"},
		"object_attributes": map[string]any{"iid": is.IID, "action": "close", "state": "closed", "confidential": false},
	})
	after := w.issue(textTitle)
	if after.State != "opened" || !after.Confidential || hasLabel(after, "Vulnerability Management::Process Deviation") || len(w.userNotes(is.IID)) != notes {
		t.Errorf("forged close: state %s confidential %v labels %v notes %q", after.State, after.Confidential, after.Labels, w.userNotes(is.IID)[notes:])
	}
}
