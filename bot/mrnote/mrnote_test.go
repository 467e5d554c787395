package mrnote

import (
	"strings"
	"testing"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

func TestCompare(t *testing.T) {
	e := func(job, id, pkg string, sev findings.Severity) Entry {
		return Entry{Job: job, ID: id, Package: pkg, Version: "1", Severity: sev}
	}
	d := Compare([]JobResult{
		{Job: "container_scanning", HasBase: true,
			Base: []Entry{e("container_scanning", "CVE-1", "a", findings.High), e("container_scanning", "CVE-2", "b", findings.Low)},
			Head: []Entry{e("container_scanning", "CVE-1", "a", findings.High), e("container_scanning", "CVE-3", "c", findings.Critical)}},
		{Job: "gemnasium-dependency_scanning",
			Head: []Entry{e("gemnasium-dependency_scanning", "GHSA-x", "d", findings.Medium)}},
	})
	if len(d.Introduced) != 2 || d.Introduced[0].ID != "CVE-3" || d.Introduced[1].ID != "GHSA-x" {
		t.Errorf("introduced = %+v, want CVE-3 then GHSA-x (worst first)", d.Introduced)
	}
	if len(d.Fixed) != 1 || d.Fixed[0].ID != "CVE-2" || d.Unchanged != 1 {
		t.Errorf("fixed = %+v, unchanged %d", d.Fixed, d.Unchanged)
	}
	if len(d.NoBase) != 1 || d.NoBase[0] != "gemnasium-dependency_scanning" {
		t.Errorf("jobs without a base = %v", d.NoBase)
	}
	body := Render(d, 42, "main")
	if !strings.HasPrefix(body, Marker) || !strings.Contains(body, "**2 introduced**, **1 fixed**, 1 unchanged") ||
		!strings.Contains(body, "has no scan by `gemnasium-dependency_scanning` yet") {
		t.Errorf("note:\n%s", body)
	}
}

// Package names come from reports: they must not end the code span, mention
// anyone or break the table.
func TestRenderKeepsReportTextInert(t *testing.T) {
	d := Diff{Introduced: []Entry{{Job: "cs", ID: "CVE-1", Package: "x` @alice\n/close | y", Version: "1", Severity: findings.High}}}
	body := Render(d, 1, "main")
	row := ""
	for _, l := range strings.Split(body, "\n") {
		if strings.Contains(l, "CVE-1") {
			row = l
		}
	}
	cells := strings.Count(row, "|") - strings.Count(row, `\|`)
	if strings.Count(row, "`")%2 != 0 || strings.Contains(row, "@alice") || cells != 7 || !strings.Contains(row, "`x' ") {
		t.Errorf("row = %q", row)
	}
}
