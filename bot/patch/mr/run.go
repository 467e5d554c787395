package mr

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/pflag"
	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/patch"
	"gitlab.com/vigil-vm/vigil/bot/patch/dockerfile"
	"gitlab.com/vigil-vm/vigil/bot/patch/ecosystems"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// RunOptions configure a one-shot run, as `vigil patch` does in a CI job
// with the team's own runner and token.
type RunOptions struct {
	Options
	GitLabURL    string // API v4 base URL; $CI_API_V4_URL when empty
	Token        string // $VIGIL_GITLAB_TOKEN or $GITLAB_TOKEN when empty
	Project      string // path or id; $CI_PROJECT_PATH when empty
	FindingsFile string // vigil-findings.json
	TargetBranch string // the branch merge requests target; the project's default when empty
	DryRun       bool   // plan the fixes and print them; touch nothing
	GoModTidy    bool
	PinDigest    bool
	// Verifier scans candidate base images; nil proposes them unverified.
	Verifier dockerfile.Verifier
}

// AddFlags registers the run's flags, the merge request policies included.
func (o *RunOptions) AddFlags(fs *pflag.FlagSet) {
	o.Options.AddFlags(fs)
	fs.StringVar(&o.GitLabURL, "gitlab-url", o.GitLabURL, "GitLab API v4 URL (default $CI_API_V4_URL)")
	fs.StringVar(&o.Project, "project", o.Project, "project path or id (default $CI_PROJECT_PATH)")
	fs.StringVar(&o.FindingsFile, "findings", cmpOr(o.FindingsFile, "vigil-findings.json"), "vigil findings report to patch")
	fs.StringVar(&o.TargetBranch, "target-branch", o.TargetBranch, "branch the merge requests target (default: the project's default branch)")
	fs.BoolVar(&o.DryRun, "dry-run", o.DryRun, "only list the fixes that would be proposed; no GitLab call")
	fs.BoolVar(&o.GoModTidy, "go-mod-tidy", o.GoModTidy, "run go mod tidy after go get")
	fs.BoolVar(&o.PinDigest, "pin-digest", o.PinDigest, "pin bumped base images by digest")
}

// Run reads a findings report and reconciles the project's merge requests
// with the default patchers. issues maps fingerprints to tracking issues
// and may be nil (the merge requests then close no issue).
func Run(ctx context.Context, o RunOptions, issues map[string][]int, log *slog.Logger) (*Result, error) {
	o.GitLabURL = cmpOr(o.GitLabURL, os.Getenv("CI_API_V4_URL"))
	o.Token = cmpOr(o.Token, os.Getenv("VIGIL_GITLAB_TOKEN"), os.Getenv("GITLAB_TOKEN"))
	o.Project = cmpOr(o.Project, os.Getenv("CI_PROJECT_PATH"))
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ps := ecosystems.All(ecosystems.Options{GoModTidy: o.GoModTidy, Disabled: o.Disabled, Logger: log,
		Dockerfile: dockerfile.Options{PinDigest: o.PinDigest, Verifier: o.Verifier}})
	if o.DryRun {
		rep, err := readFindings(o.FindingsFile)
		if err != nil {
			return nil, err
		}
		return plan(rep.Active(), ps, o.Options, issues), nil
	}
	switch {
	case o.GitLabURL == "":
		return nil, fmt.Errorf("patch: no GitLab URL (--gitlab-url or $CI_API_V4_URL)")
	case o.Token == "":
		return nil, fmt.Errorf("patch: no token ($VIGIL_GITLAB_TOKEN or $GITLAB_TOKEN)")
	case o.Project == "":
		return nil, fmt.Errorf("patch: no project (--project or $CI_PROJECT_PATH)")
	}
	rep, err := readFindings(o.FindingsFile)
	if err != nil {
		return nil, err
	}
	client, err := gitlab.NewClient(o.Token, gitlab.WithBaseURL(o.GitLabURL))
	if err != nil {
		return nil, fmt.Errorf("patch: make GitLab client: %w", err)
	}
	e := New(client, ps, nil, o.Options, log)
	return e.Reconcile(ctx, Request{Project: Project{ID: o.Project, DefaultBranch: o.TargetBranch}, Findings: rep.Active(), Issues: issues})
}

func readFindings(path string) (*findings.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("patch: open findings: %w", err)
	}
	defer f.Close()
	rep, err := findings.Read(f, 0)
	if err != nil {
		return nil, fmt.Errorf("patch: read %s: %w", path, err)
	}
	return rep, nil
}

// plan is a dry run: the fixes a reconciliation would propose, in order.
func plan(fs []findings.Finding, ps []patch.Patcher, o Options, issues map[string][]int) *Result {
	var keep []findings.Finding
	for _, f := range fs {
		if f.Vulnerability.Severity >= o.MinSeverity {
			keep = append(keep, f)
		}
	}
	fixes, unfixable := patch.Plan(keep, ps, func(fp string) []int { return issues[fp] })
	res := &Result{Unfixable: unfixable}
	for _, fx := range fixes {
		oc := Outcome{Ecosystem: fx.Ecosystem, Package: fx.Package, From: fx.From, To: fx.To,
			Severity: patch.MaxSeverity(fx), Branch: Branch(fx.Ecosystem, fx.Package, fx.To), Action: Planned}
		if fx.Ecosystem == "dockerfile" {
			// The base image tag is chosen (and verified) only when patching.
			oc.From, oc.To, oc.Branch = "", "", ""
			oc.Reason = fmt.Sprintf("newer base image fixing %d OS package finding(s)", len(fx.Findings))
		}
		res.Outcomes = append(res.Outcomes, oc)
	}
	return res
}
