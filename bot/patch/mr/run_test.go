package mr_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"gitlab.com/vigil-vm/vigil/bot/patch/mr"
	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
)

func TestRunFromReport(t *testing.T) {
	srv := gitlabdouble.NewTest(t)
	_, token := srv.AddUser("ci", gitlabdouble.Developer)
	p := srv.AddProject(gitlabdouble.ProjectSpec{Path: "acme/py", Files: map[string][]byte{"requirements.txt": []byte("jinja2==2.11.2\n")}})

	rep := findings.Report{
		Schema: findings.SchemaID, Started: time.Unix(0, 0).UTC(), Ended: time.Unix(1, 0).UTC(),
		Scanner:  findings.Scanner{Name: "vigil", Version: "test", Matcher: "grype", DB: findings.DB{Built: time.Unix(0, 0).UTC()}},
		Asset:    findings.Asset{Kind: "image", Repository: "registry.example/acme/py"},
		Findings: []findings.Finding{finding(findings.Fingerprint("acme/py", "registry.example/acme/py", "python", "jinja2", "CVE-2020-28493"), "CVE-2020-28493", "python", "jinja2", "2.11.2", findings.Medium, "2.11.3")},
	}
	rep.Findings = append(rep.Findings, finding(findings.Fingerprint("acme/py", "registry.example/acme/py", "python", "jinja2", "CVE-2099-0001"), "CVE-2099-0001", "python", "jinja2", "2.11.2", findings.Low, "2.11.9"))
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "vigil-findings.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}

	var o mr.RunOptions
	fs := pflag.NewFlagSet("patch", pflag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse([]string{"--gitlab-url", srv.APIURL(), "--project", "acme/py", "--findings", path, "--min-severity", "medium", "--bot-label", "deps"}); err != nil {
		t.Fatal(err)
	}
	o.Token = token
	res, err := mr.Run(context.Background(), o, map[string][]int{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Outcomes) != 1 || res.Outcomes[0].Action != mr.Opened || res.Outcomes[0].To != "2.11.3" {
		t.Fatalf("outcomes = %+v, want one opened bump to 2.11.3 (the Low finding ignored)", res.Outcomes)
	}
	mrs := srv.MergeRequests(p.ID)
	if len(mrs) != 1 || strings.Join(mrs[0].Labels, ",") != "deps,security" && strings.Join(mrs[0].Labels, ",") != "security,deps" {
		t.Errorf("merge requests = %+v", mrs)
	}

	o.FindingsFile = filepath.Join(t.TempDir(), "missing.json")
	if _, err := mr.Run(context.Background(), o, nil, nil); err == nil {
		t.Error("a missing report is not an error")
	}
}
