package sla

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseOverrides(t *testing.T) {
	c, err := Parse([]byte(`
default:
  near_breach_days: 7
  labels:
    always: [security, vuln]
projects:
  - match: "payments/*"
    policy:
      days: {critical: 7}
      confidential: false
  - match: "payments/legacy/**"
    policy:
      clock_start: fix-available
      assignees:
        - pattern: "payments/legacy/*"
          users: [alice]
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		project      string
		critical     int
		high         int
		nearBreach   int
		confidential bool
		clock        string
		assignees    []string
	}{
		{"web/shop", 30, 30, 7, true, ClockFirstSeen, nil},
		{"payments/api", 7, 30, 7, false, ClockFirstSeen, nil},
		{"payments/legacy/core", 30, 30, 7, true, ClockFixAvailable, []string{"alice"}},
	}
	for _, tt := range tests {
		t.Run(tt.project, func(t *testing.T) {
			p := c.For(tt.project)
			if p.Days["critical"] != tt.critical || p.Days["high"] != tt.high {
				t.Errorf("days = %v", p.Days)
			}
			if p.NearBreachDays != tt.nearBreach || p.Confidential != tt.confidential || p.ClockStart != tt.clock {
				t.Errorf("policy = near %d confidential %v clock %s", p.NearBreachDays, p.Confidential, p.ClockStart)
			}
			if got := p.AssigneesFor(tt.project, nil); !slices.Equal(got, tt.assignees) {
				t.Errorf("assignees = %v, want %v", got, tt.assignees)
			}
			if !slices.Equal(p.Labels.Always, []string{"security", "vuln"}) {
				t.Errorf("always labels = %v", p.Labels.Always)
			}
		})
	}
	// An override never leaks into the default.
	if c.For("web/shop").Days["critical"] != 30 || c.Default.Days["critical"] != 30 {
		t.Error("override changed the default policy")
	}
}

func TestParseRejects(t *testing.T) {
	tests := map[string]string{
		"unknown field":   "default:\n  nearbreach: 3\n",
		"bad clock":       "default:\n  clock_start: never\n",
		"bad days":        "default:\n  days: {high: 0}\n",
		"bad group":       "projects:\n  - match: a/*\n    policy: {group_by: team}\n",
		"missing match":   "projects:\n  - policy: {confidential: false}\n",
		"bad pattern":     "projects:\n  - match: \"[\"\n",
		"bad role":        "default:\n  exception_role: boss\n",
		"not yaml at all": "default: [",
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse([]byte(doc)); err == nil {
				t.Errorf("Parse accepted %q", doc)
			}
		})
	}
}

func TestLoadFile(t *testing.T) {
	c, err := LoadFile("")
	if err != nil || c.Default.Days["medium"] != 90 {
		t.Fatalf("LoadFile(\"\") = %v, %v", c, err)
	}
	name := filepath.Join(t.TempDir(), "sla.yaml")
	if err := os.WriteFile(name, []byte("default:\n  days: {low: 365}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = LoadFile(name)
	if err != nil || c.Default.Days["low"] != 365 || c.Default.Days["medium"] != 90 {
		t.Fatalf("LoadFile = %+v, %v", c, err)
	}
	if _, err := LoadFile(filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.Contains(err.Error(), "read sla policy") {
		t.Errorf("missing file: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("default:\n  days: {low: 365}\nprojects:\n  - match: a/*\n    policy: {confidential: false}\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			return
		}
		p := c.For("a/b")
		if err := p.Validate(); err != nil {
			t.Errorf("accepted policy is invalid: %v", err)
		}
	})
}

func TestTierDays(t *testing.T) {
	c, err := Parse([]byte(`
projects:
  - match: "payments/*"
    policy:
      days: {critical: 14}
tiers:
  - tier: production
    days: {critical: 7, high: 14}
  - tier: staging
    days: {critical: 21}
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		project        string
		tiers          []string
		critical, high int
	}{
		{"payments/api", nil, 14, 30},                              // the project's days
		{"payments/api", []string{"staging"}, 21, 30},              // the tier's, over the project's
		{"payments/api", []string{"staging", "production"}, 7, 14}, // the first tier of the file wins
		{"other/app", []string{"unclassified"}, 30, 30},            // no tier policy
	} {
		p := c.ForTiers(tc.project, tc.tiers)
		if p.Days["critical"] != tc.critical || p.Days["high"] != tc.high {
			t.Errorf("%s %v: critical %d high %d, want %d %d", tc.project, tc.tiers, p.Days["critical"], p.Days["high"], tc.critical, tc.high)
		}
	}
	if c.For("payments/api").Days["critical"] != 14 {
		t.Error("ForTiers changed the project's policy")
	}
	for _, bad := range []string{"tiers: [{days: {critical: 7}}]", "tiers: [{tier: p, days: {urgent: 7}}]", "tiers: [{tier: p, days: {high: 0}}]",
		"tiers: [{tier: p}, {tier: p}]"} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}
