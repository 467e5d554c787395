package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
)

// `vigil patch` in a CI job: the report in, one merge request per fix out,
// the CI variables standing in for the flags; --dry-run calls nobody.
func TestPatchFromReport(t *testing.T) {
	srv := gitlabdouble.NewTest(t)
	_, token := srv.AddUser("ci", gitlabdouble.Developer)
	p := srv.AddProject(gitlabdouble.ProjectSpec{Path: "acme/py", Files: map[string][]byte{"requirements.txt": []byte("jinja2==2.11.2\n")}})
	fp := findings.Fingerprint("acme/py", "registry.example/acme/py", "python", "jinja2", "CVE-2020-28493")
	rep := findings.Report{
		Schema: findings.SchemaID, Started: time.Unix(0, 0).UTC(), Ended: time.Unix(1, 0).UTC(),
		Scanner: findings.Scanner{Name: "vigil", Version: "test", Matcher: "grype", DB: findings.DB{Built: time.Unix(0, 0).UTC()}},
		Asset:   findings.Asset{Kind: "image", Repository: "registry.example/acme/py"},
		Findings: []findings.Finding{
			{Fingerprint: fp, Vulnerability: findings.Vulnerability{ID: "CVE-2020-28493", Severity: findings.Medium},
				Package: findings.Package{Name: "jinja2", Version: "2.11.2", Type: "python"},
				Fix:     findings.Fix{State: findings.FixAvailable, Versions: []string{"2.11.3"}}},
			{Fingerprint: findings.Fingerprint("acme/py", "registry.example/acme/py", "python", "jinja2", "CVE-2099-0001"), Vulnerability: findings.Vulnerability{ID: "CVE-2099-0001", Severity: findings.Low},
				Package: findings.Package{Name: "jinja2", Version: "2.11.2", Type: "python"},
				Fix:     findings.Fix{State: findings.FixAvailable, Versions: []string{"2.11.9"}}},
		},
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "vigil-findings.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CI_API_V4_URL", srv.APIURL())
	t.Setenv("CI_PROJECT_PATH", "acme/py")
	t.Setenv("VIGIL_GITLAB_TOKEN", token)

	code, out := vigil(t, "patch", "--findings", path, "--min-severity", "medium", "--dry-run")
	if code != 0 || !strings.Contains(out, "planned") || !strings.Contains(out, "2.11.3") {
		t.Fatalf("dry run: exit %d\n%s", code, out)
	}
	if n := len(srv.Calls()); n != 0 {
		t.Errorf("dry run made %d GitLab calls", n)
	}
	code, out = vigil(t, "patch", "--findings", path, "--min-severity", "medium", "--bot-label", "deps")
	if code != 0 || !strings.Contains(out, "opened") {
		t.Fatalf("patch: exit %d\n%s", code, out)
	}
	mrs := srv.MergeRequests(p.ID)
	if len(mrs) != 1 || !strings.Contains(mrs[0].Title, "to 2.11.3") {
		t.Errorf("merge requests = %+v, want one bump to 2.11.3 (the Low finding ignored)", mrs)
	}
	if code, _ := vigil(t, "patch", "--findings", filepath.Join(t.TempDir(), "missing.json")); code == 0 {
		t.Error("a missing report exits 0")
	}
}
