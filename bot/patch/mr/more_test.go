package mr_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/random"
	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/patch"
	"gitlab.com/vigil-vm/vigil/bot/patch/dockerfile"
	"gitlab.com/vigil-vm/vigil/bot/patch/ecosystems"
	"gitlab.com/vigil-vm/vigil/bot/patch/mr"
	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/findings/findingstest"
	"gitlab.com/vigil-vm/vigil/internal/registrytest"
)

// TestReconcileBaseImage: a registry holds several alpine tags; only the
// one vigil's scan confirms is proposed, and the body shows the counts.
func TestReconcileBaseImage(t *testing.T) {
	t.Parallel()
	reg := registrytest.New(t)
	host := reg.Host
	for _, tag := range []string{"3.19.1", "3.19.2", "3.19.4", "3.20.0"} {
		img, err := random.Image(64, 1)
		if err != nil {
			t.Fatal(err)
		}
		reg.Push(t, "library/alpine:"+tag, img)
	}
	w := newWorld(t)
	ctx := context.Background()
	if _, _, err := w.human.Commits.CreateCommit(w.project.ID, commitFile("Dockerfile", "FROM golang:1.22.3 AS build\nFROM "+host+"/library/alpine:3.19.1\nCOPY --from=build /app /app\n")); err != nil {
		t.Fatal(err)
	}
	var scanned []string
	verifier := dockerfile.VerifierFunc(func(_ context.Context, current, candidate string, claimed []findings.Finding) (int, int, error) {
		scanned = append(scanned, candidate)
		if strings.HasSuffix(candidate, ":3.19.4") {
			return len(claimed), 0, nil
		}
		return len(claimed), len(claimed), nil
	})
	ps := ecosystems.All(ecosystems.Options{Dockerfile: dockerfile.Options{Verifier: verifier}})
	req := w.request(
		findingstest.Finding("CVE-2024-0727", "apk", "libssl3", "3.1.4-r2", scored, findingstest.Fingerprint("fp-ssl"), findingstest.Severity(findings.High), findingstest.Fixed("3.1.4-r5")),
		findingstest.Finding("CVE-2024-2511", "apk", "libcrypto3", "3.1.4-r2", scored, findingstest.Fingerprint("fp-crypto"), findingstest.Severity(findings.Medium), findingstest.Fixed("3.1.4-r6")),
	)
	req.Issues = map[string][]int64{"fp-ssl": {4}, "fp-crypto": {4}}
	res, err := mr.New(w.client, ps, nil, mr.Options{}, nil).Reconcile(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Outcomes) != 1 || res.Outcomes[0].Action != mr.Opened || res.Outcomes[0].To != "3.19.4" {
		t.Fatalf("outcomes = %+v", res.Outcomes)
	}
	if len(scanned) != 1 || !strings.HasSuffix(scanned[0], "alpine:3.19.4") {
		t.Errorf("scanned %v, want only the newest 3.19 tag", scanned)
	}
	m := w.mrByBranch(t, res.Outcomes[0].Branch)
	if !strings.Contains(m.Title, "from 3.19.1 to 3.19.4") || !strings.Contains(m.Description, "from 2 to 0") || !strings.Contains(m.Description, "Closes #4") {
		t.Errorf("merge request %q:\n%s", m.Title, m.Description)
	}
	df := string(w.srv.Files(w.project.ID, m.SourceBranch)["Dockerfile"])
	if !strings.Contains(df, "FROM "+host+"/library/alpine:3.19.4\n") || !strings.Contains(df, "FROM golang:1.22.3 AS build\n") {
		t.Errorf("Dockerfile on the branch:\n%s", df)
	}
}

// TestReconcileSupersedes: a newer fix replaces the open merge request
// instead of adding a second one.
func TestReconcileSupersedes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	e := w.engine(mr.Options{}, nil)
	older := findingstest.Finding("CVE-2021-38561", "go-module", "golang.org/x/text", "v0.3.5", scored, findingstest.Fingerprint("fp-text-2"), findingstest.Severity(findings.Medium), findingstest.Fixed("0.3.7"))
	if _, err := e.Reconcile(ctx, w.request(older)); err != nil {
		t.Fatal(err)
	}
	first := w.mrByBranch(t, "vigil/gomod/golang.org/x/text-v0.3.7")
	newer := findingstest.Finding("CVE-2022-32149", "go-module", "golang.org/x/text", "v0.3.5", scored, findingstest.Fingerprint("fp-text-1"), findingstest.Severity(findings.High), findingstest.Fixed("0.3.8"))
	res, err := e.Reconcile(ctx, w.request(older, newer))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Outcomes) != 1 || res.Outcomes[0].Action != mr.Opened || len(res.Closed) != 1 || res.Closed[0] != int64(first.IID) {
		t.Fatalf("outcomes = %+v, closed %v", res.Outcomes, res.Closed)
	}
	var open []string
	for _, m := range w.srv.MergeRequests(w.project.ID) {
		if m.State == "opened" {
			open = append(open, m.SourceBranch)
		}
	}
	if strings.Join(open, ",") != "vigil/gomod/golang.org/x/text-v0.3.8" {
		t.Errorf("open merge requests: %v", open)
	}
}

// boom is a patcher whose machinery always fails.
type boom struct{ runs *int }

func (boom) Name() string                    { return "boom" }
func (boom) Manifests() []string             { return []string{"requirements.txt"} }
func (boom) Handles(f findings.Finding) bool { return f.Package.Type == "boom" }
func (boom) Extract(_ context.Context, _ string, fix patch.Fix) (patch.Extracted, error) {
	return patch.Extracted{Deps: []patch.Dependency{{Manifest: "requirements.txt", Name: fix.Package}}}, nil
}
func (boom) Update(context.Context, string, patch.Fix, []patch.Dependency) (patch.Result, error) {
	return patch.Propose(patch.Change{}), nil
}
func (b boom) Artifacts(context.Context, string, patch.Fix, []patch.Dependency, patch.Change) (patch.Result, error) {
	*b.runs++
	return patch.Result{}, errors.New("resolver exploded")
}

// A patcher that breaks does not stop the others, and does not bother the
// issue's owner with the bot's own trouble: it is an outcome and a log.
func TestReconcileFailureIsNotANote(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	req := w.request(findingstest.Finding("CVE-1", "boom", "thing", "1.0.0", scored, findingstest.Fingerprint("fp-text-1"), findingstest.Severity(findings.High), findingstest.Fixed("1.0.1")))
	runs := 0
	e := mr.New(w.client, []patch.Patcher{boom{&runs}}, nil, mr.Options{}, nil)
	res, err := e.Reconcile(context.Background(), req)
	if err != nil {
		t.Fatalf("a patcher failure stopped the run: %v", err)
	}
	// Nothing changed, but a failure is not a state to keep: tried again.
	if _, err := e.Reconcile(context.Background(), req); err != nil || runs != 2 {
		t.Errorf("second run: %d patcher runs in all, err %v; want the failed fix tried again", runs, err)
	}
	if len(res.Outcomes) != 1 || res.Outcomes[0].Action != mr.Failed || !strings.Contains(res.Outcomes[0].Reason, "resolver exploded") {
		t.Errorf("outcomes = %+v", res.Outcomes)
	}
	if notes := w.srv.Notes(w.project.ID, 1); len(notes) != 0 {
		t.Errorf("issue #1 notes = %+v, want none", notes)
	}
}

func TestReconcileDisabledEcosystem(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	res, err := w.engine(mr.Options{Disabled: []string{"pip"}}, nil).Reconcile(context.Background(),
		w.request(findingstest.Finding("CVE-2020-28493", "python", "jinja2", "2.11.2", scored, findingstest.Fingerprint("fp-jinja"), findingstest.Severity(findings.Medium), findingstest.Fixed("2.11.3"))))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Outcomes) != 0 || len(res.Unfixable) != 0 || len(w.srv.Writes()) > 4 /* the issues */ {
		t.Errorf("disabled ecosystem: outcomes %+v, unfixable %+v, writes %d", res.Outcomes, res.Unfixable, len(w.srv.Writes()))
	}
}

func commitFile(path, content string) *gitlab.CreateCommitOptions {
	return &gitlab.CreateCommitOptions{
		Branch: gitlab.Ptr("main"), CommitMessage: gitlab.Ptr("add " + path),
		Actions: []*gitlab.CommitActionOptions{{Action: gitlab.Ptr(gitlab.FileCreate), FilePath: gitlab.Ptr(path), Content: gitlab.Ptr(content)}},
	}
}
