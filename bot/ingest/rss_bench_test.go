package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/gitlabdouble"
)

// rssChildEnv carries, to the child process BenchmarkFetchPeakRSS starts,
// where to fetch from: "apiURL token projectID jobID".
const rssChildEnv = "VIGIL_RSS_CHILD"

// BenchmarkFetchPeakRSS prints the peak RSS (VmHWM) of a separate process
// that fetches one vigil-findings.json from the GitLab double, as the bot's
// fetcher does: a report just under the 64 MiB limit (accepted) and one of
// ten times the limit (refused). A process of its own, because the parent
// holds the reports it serves and Go's heap never gives its peak back.
//
//	go test ./bot/ingest -run '^$' -bench FetchPeakRSS -benchtime 1x
//
// VIGIL_RSS_GOMEMLIMIT sets the child's GOMEMLIMIT.
func BenchmarkFetchPeakRSS(b *testing.B) {
	srv := gitlabdouble.NewTest(b)
	user, token := srv.AddUser("vigil-bot", gitlabdouble.NoAccess)
	p := srv.AddProject(gitlabdouble.ProjectSpec{Path: "acme/app",
		Members: map[int]gitlabdouble.AccessLevel{user.ID: gitlabdouble.Maintainer}})
	for _, tc := range []struct {
		name string
		size int
	}{{"at-limit", findings.MaxReportBytes - 64<<10}, {"10x-limit", 10 * findings.MaxReportBytes}} {
		data := bigReport(b, tc.size)
		_, jobs := srv.FinishPipeline(p.ID, gitlabdouble.PipelineSpec{Ref: "main",
			Jobs: []gitlabdouble.JobSpec{{Name: "vigil-scan", Artifacts: map[string][]byte{findings.FindingsFile: data}}}})
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				out := runRSSChild(b, fmt.Sprintf("%s %s %d %d", srv.APIURL(), token, p.ID, jobs[0].ID))
				b.ReportMetric(float64(out.hwm)/(1<<20), "peak-RSS-MiB")
				b.ReportMetric(float64(out.base)/(1<<20), "start-RSS-MiB")
				b.Logf("%s: artifact %.1f MiB, peak RSS %.1f MiB (%.1f MiB before the fetch): %s",
					tc.name, float64(len(data))/(1<<20), float64(out.hwm)/(1<<20), float64(out.base)/(1<<20), out.result)
			}
		})
	}
}

type rssOut struct {
	base, hwm int64
	result    string
}

func runRSSChild(b *testing.B, spec string) rssOut {
	cmd := exec.Command(os.Args[0], "-test.run=^TestFetchRSSChild$", "-test.v")
	cmd.Env = append(os.Environ(), rssChildEnv+"="+spec)
	if l := os.Getenv("VIGIL_RSS_GOMEMLIMIT"); l != "" {
		cmd.Env = append(cmd.Env, "GOMEMLIMIT="+l) // the child's only: the parent holds the reports
	}
	raw, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("child: %v\n%s", err, raw)
	}
	var out rssOut
	for line := range strings.SplitSeq(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if rest, ok := strings.CutPrefix(line, "rss: "); ok {
			f := strings.SplitN(rest, " ", 3)
			out.base, _ = strconv.ParseInt(f[0], 10, 64)
			out.hwm, _ = strconv.ParseInt(f[1], 10, 64)
			out.result = f[2]
		}
	}
	if out.hwm == 0 {
		b.Fatalf("child printed no figures:\n%s", raw)
	}
	return out
}

// TestFetchRSSChild is the process BenchmarkFetchPeakRSS measures; it does
// nothing unless started by it.
func TestFetchRSSChild(t *testing.T) {
	spec := strings.Fields(os.Getenv(rssChildEnv))
	if len(spec) != 4 {
		t.Skip("run by BenchmarkFetchPeakRSS")
	}
	projectID, _ := strconv.ParseInt(spec[2], 10, 64)
	jobID, _ := strconv.ParseInt(spec[3], 10, 64)
	client, err := gitlab.NewClient(spec[1], gitlab.WithBaseURL(spec[0]), gitlab.WithoutRetries(),
		gitlab.WithHTTPClient(&http.Client{Transport: LimitTransport(nil)}))
	if err != nil {
		t.Fatal(err)
	}
	base := procStatus(t, "VmRSS")
	f := NewFetcher(client, 0, nil)
	job := &gitlab.Job{ID: jobID, Name: "vigil-scan", Artifacts: []gitlab.JobArtifact{{FileType: "archive", Filename: "artifacts.zip"}}}
	plan, err := PlanJob(job, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	reps, err := f.FetchJob(context.Background(), projectID, job, plan)
	result := ""
	switch {
	case err != nil:
		result = fmt.Sprintf("%s: %v", ReasonOf(err), err)
	default:
		result = fmt.Sprintf("accepted, %d findings", len(reps[0].Report.Findings))
	}
	fmt.Printf("rss: %d %d %s\n", base, procStatus(t, "VmHWM"), result)
}

// procStatus reads a figure in kB from /proc/self/status, in bytes.
func procStatus(t *testing.T, field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/self/status", field)
	return 0
}

// bigReport is a real-shaped findings document of about size bytes: one
// image, findings with aliases, CVSS, EPSS, URLs and locations, each of its
// own package and CVE.
func bigReport(b *testing.B, size int) []byte {
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	asset := findings.Asset{Kind: "image", Repository: "registry.example/acme/app", Digest: "sha256:" + strings.Repeat("ab", 32),
		Tags: []string{"4f2a9c1"}, Platform: "linux/amd64", Distro: &findings.Distro{Name: "debian", Version: "12"}}
	head, err := json.Marshal(findings.Report{Schema: findings.SchemaID, Project: "acme/app",
		Scanner: findings.Scanner{Name: "vigil", Version: "dev", Matcher: "grype v0.121.2", DB: findings.DB{Built: t0}},
		Started: t0, Ended: t0, Asset: asset, Findings: []findings.Finding{}})
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	buf.Grow(size + 4<<10)
	buf.Write(head[:len(head)-2]) // up to the findings' "[", without "]}"
	for i := 0; buf.Len() < size-2; i++ {
		if i > 0 {
			buf.WriteByte(',')
		}
		f := bigFinding(i)
		f.Fingerprint = findings.FingerprintFor("acme/app", asset, f)
		line, err := json.Marshal(f)
		if err != nil {
			b.Fatal(err)
		}
		buf.Write(line)
	}
	buf.WriteString("]}")
	return buf.Bytes()
}

func bigFinding(i int) findings.Finding {
	cve := fmt.Sprintf("CVE-2026-%06d", i)
	pkg := fmt.Sprintf("libexample%06d", i)
	return findings.Finding{
		Vulnerability: findings.Vulnerability{ID: cve, Aliases: []string{fmt.Sprintf("GHSA-%04x-%04x-%04x", i%65536, i/7%65536, i/13%65536)},
			Severity:    findings.High,
			Description: "A crafted input makes the parser read past the end of its buffer, which can crash the process or disclose memory.",
			CVSS:        []findings.CVSS{{Source: "nvd@nist.gov", Version: "3.1", Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", BaseScore: 9.8}},
			EPSS:        &findings.EPSS{Score: 0.00042, Percentile: 0.118, Date: "2026-11-01"},
			URLs:        []string{"https://nvd.nist.gov/vuln/detail/" + cve, "https://security-tracker.debian.org/tracker/" + cve},
			DataSource:  "https://security-tracker.debian.org/tracker/" + cve},
		Package: findings.Package{Name: pkg, Version: "1.2.3-1", Type: "deb", PURL: "pkg:deb/debian/" + pkg + "@1.2.3-1?arch=amd64&distro=debian-12",
			Locations: []findings.Location{{Path: "/var/lib/dpkg/status", Layer: "sha256:" + strings.Repeat("cd", 32)}}},
		Fix: findings.Fix{State: findings.FixAvailable, Versions: []string{"1.2.3-2"}},
	}
}
