package sla

import (
	"slices"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestDue(t *testing.T) {
	p := Default()
	start := time.Date(2026, 1, 10, 15, 4, 0, 0, time.UTC)
	tests := []struct {
		name   string
		sev    findings.Severity
		kevDue string
		want   string
	}{
		{"critical 30 days", findings.Critical, "", "2026-02-09"},
		{"high 30 days", findings.High, "", "2026-02-09"},
		{"medium 90 days", findings.Medium, "", "2026-04-10"},
		{"low 180 days", findings.Low, "", "2026-07-09"},
		{"unknown counts as low", findings.Unknown, "", "2026-07-09"},
		{"kev due earlier wins", findings.Medium, "2026-01-31", "2026-01-31"},
		{"kev due later is ignored", findings.Critical, "2026-12-31", "2026-02-09"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := p.Due(tt.sev, start, tt.kevDue).Format(time.DateOnly)
			if got != tt.want {
				t.Errorf("Due = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestStageAt(t *testing.T) {
	p := Default()
	due := day("2026-03-31")
	tests := []struct {
		now  string
		want Stage
	}{
		{"2026-03-16", InTime},
		{"2026-03-17", NearBreach},
		{"2026-03-31", NearBreach},
		{"2026-04-01", Breached},
	}
	for _, tt := range tests {
		if got := p.StageAt(day(tt.now).Add(13*time.Hour), due); got != tt.want {
			t.Errorf("StageAt(%s) = %v, want %v", tt.now, got, tt.want)
		}
	}
	if got := p.StageAt(day("2030-01-01"), time.Time{}); got != InTime {
		t.Errorf("no due date: stage %v, want in-time", got)
	}
}

func TestClockStarts(t *testing.T) {
	first, fix := day("2026-01-01"), day("2026-02-01")
	p := Default()
	if got, ok := p.ClockStarts(first, fix); !ok || !got.Equal(first) {
		t.Errorf("first-seen rule: %v %v", got, ok)
	}
	p.ClockStart = ClockFixAvailable
	if got, ok := p.ClockStarts(first, fix); !ok || !got.Equal(fix) {
		t.Errorf("fix-available rule: %v %v", got, ok)
	}
	if _, ok := p.ClockStarts(first, time.Time{}); ok {
		t.Error("fix-available rule without a fix started the clock")
	}
}

func TestLabelsFor(t *testing.T) {
	p := Default()
	tests := []struct {
		name  string
		facts Facts
		want  []string
	}{
		{"critical with fix", Facts{Severity: findings.Critical, FixState: string(findings.FixAvailable)},
			[]string{"security", "bug::vulnerability", "severity::1", "priority::1", "Vulnerability::Vendor Package::Fix Available"}},
		{"unknown without fix", Facts{Severity: findings.Unknown, FixState: string(findings.FixUnavailable)},
			[]string{"security", "bug::vulnerability", "severity::4", "priority::4", "Vulnerability::Vendor Package::Fix Unavailable"}},
		{"exploited, breached, deviation", Facts{Severity: findings.High, FixState: string(findings.FixWontFix), Exploited: true, Stage: Breached, Deviation: true},
			[]string{"security", "bug::vulnerability", "severity::2", "priority::2", "Vulnerability::Vendor Package::Will Not Be Fixed",
				"Vulnerability Impact::Public Exploitation::Exploited", "SLA::Breached", "Vulnerability Management::Process Deviation"}},
		{"accepted risk near breach", Facts{Severity: findings.Medium, Stage: NearBreach, Exception: AcceptedRisk},
			[]string{"security", "bug::vulnerability", "severity::3", "priority::3", "SLA::Near Breach", "Vulnerability Management::Accepted Risk"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.LabelsFor(tt.facts); !slices.Equal(got, tt.want) {
				t.Errorf("LabelsFor = %q\nwant %q", got, tt.want)
			}
		})
	}
}
