package readout

import (
	"time"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// Scope narrows a read-out. The zero Scope is everything.
type Scope struct {
	Group      string              `json:"group,omitempty"`   // a group path: its projects and its subgroups'
	Project    string              `json:"project,omitempty"` // one project path
	Tier       string              `json:"tier,omitempty"`    // an inventory tier (production, …)
	Severities []findings.Severity `json:"severities,omitempty"`
}

// Options are what a read-out is computed for.
type Options struct {
	// Since and Until are the period [Since, Until). The state reported
	// (open, past due, exceptions) is the state at Until.
	Since, Until time.Time
	Scope        Scope
	// GroupDepth is how many path segments name a group in the per-group
	// tables (1: "acme" for "acme/web/shop"); 0 means the project's whole
	// namespace.
	GroupDepth int
	// Top is how many groups and projects the past-due rankings list; 0
	// means 10.
	Top int
	// ExpiringWithin is how far after Until an exception counts as
	// expiring soon; 0 means 30 days.
	ExpiringWithin time.Duration
	// Coverage, when the inventory exists, is folded into the read-out as
	// it is (see CoverageFrom).
	Coverage *Coverage
}

// Readout is the numbers of one period and scope.
type Readout struct {
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
	Scope Scope     `json:"scope"`

	Headline   Headline      `json:"headline"`
	Severities []SeverityRow `json:"severities"` // Critical first; every severity, in scope
	Weeks      []Week        `json:"weeks"`      // the period's weeks, from Monday (the first from Since), oldest first
	Exceptions Exceptions    `json:"exceptions"`
	Patches    Patches       `json:"patches"`
	Coverage   *Coverage     `json:"coverage,omitempty"`
	Groups     []GroupRow    `json:"groups"` // per-group table, by path
	// Tiers is open and past-due findings at Until by inventory tier ("":
	// no tier known), by name.
	Tiers []TierRow `json:"tiers"`
	// TopGroups and TopProjects rank by past-due findings at Until, most
	// first; those without any are left out.
	TopGroups   []Ranked `json:"top_groups"`
	TopProjects []Ranked `json:"top_projects"`
}

// Headline is the first line of the read-out.
type Headline struct {
	Open    int `json:"open"`     // open findings at Until
	PastDue int `json:"past_due"` // open at Until, due before it, no exception in force
	New     int `json:"new"`      // detected (or detected again) in the period
	Fixed   int `json:"fixed"`    // resolved in the period
	// Compliance is over every finding resolved in the period with a due date.
	Compliance Compliance `json:"compliance"`
	MTTR       Stats      `json:"mttr"`
}

// AgeBuckets name the age columns of open findings: how long since detection.
var AgeBuckets = []string{"0-30d", "31-90d", "91-180d", ">180d"}

// SeverityRow is the numbers of one severity.
type SeverityRow struct {
	Severity   findings.Severity `json:"severity"`
	Open       int               `json:"open"`
	Age        [4]int            `json:"age"` // open findings by AgeBuckets
	PastDue    int               `json:"past_due"`
	New        int               `json:"new"`
	Fixed      int               `json:"fixed"`
	Compliance Compliance        `json:"compliance"`
	MTTR       Stats             `json:"mttr"`
}

// Compliance is the share of findings resolved in the period that were
// resolved by their SLA due date. Findings resolved without a known due
// date are not counted.
type Compliance struct {
	Resolved  int     `json:"resolved"`
	WithinSLA int     `json:"within_sla"`
	Ratio     float64 `json:"ratio"` // WithinSLA/Resolved; 0 when Resolved is 0
}

// Stats is mean time to remediate: from detection to resolution, in days,
// of the findings resolved in the period. A finding detected again after
// it was resolved starts a new count.
type Stats struct {
	Count      int     `json:"count"`
	MeanDays   float64 `json:"mean_days"`
	MedianDays float64 `json:"median_days"`
	P90Days    float64 `json:"p90_days"`
}

// Week is one week of the trend: findings detected and resolved in it.
type Week struct {
	Start time.Time `json:"start"`
	New   int       `json:"new"`
	Fixed int       `json:"fixed"`
}

// Exceptions is the exceptions in force at Until.
type Exceptions struct {
	Active   int         `json:"active"`
	Expiring int         `json:"expiring"` // accepted risks ending within ExpiringWithin of Until
	List     []Exception `json:"list"`     // every exception in force, soonest expiry first
}

// Exception is one exception in force.
type Exception struct {
	Project string                 `json:"project"`
	Group   string                 `json:"group_key"`
	Kind    findings.ExceptionKind `json:"kind"`
	By      string                 `json:"by"`
	Expires time.Time              `json:"expires,omitzero"`
	// Findings is how many open findings of the issue it covers.
	Findings int `json:"findings"`
}

// Patches is the patch merge request funnel of the period. Merge requests
// are scoped by project and severity; they carry no tier, so a tier does
// not narrow them.
type Patches struct {
	Opened            int     `json:"opened"`
	Merged            int     `json:"merged"`
	AutoMerged        int     `json:"auto_merged"` // merged with auto-merge set by vigil
	Closed            int     `json:"closed"`      // closed without merging
	MedianDaysToMerge float64 `json:"median_days_to_merge"`
}

// Coverage is what the inventory says: assets scanned within the policy's
// window and running images never scanned.
type Coverage struct {
	Window           time.Duration `json:"-"`
	WindowDays       int           `json:"window_days"`
	Assets           int           `json:"assets"`
	ScannedInWindow  int           `json:"scanned_in_window"`
	Ratio            float64       `json:"ratio"`
	RunningUnscanned int           `json:"running_unscanned"`
}

// GroupRow is one group's line of the per-group table.
type GroupRow struct {
	Group      string     `json:"group"`
	Open       int        `json:"open"`
	PastDue    int        `json:"past_due"`
	New        int        `json:"new"`
	Fixed      int        `json:"fixed"`
	Compliance Compliance `json:"compliance"`
	MTTR       Stats      `json:"mttr"`
}

// TierRow is one tier's open and past-due findings at Until.
type TierRow struct {
	Tier    string `json:"tier"`
	Open    int    `json:"open"`
	PastDue int    `json:"past_due"`
}

// Ranked is a group or project and its past-due findings.
type Ranked struct {
	Path    string `json:"path"`
	PastDue int    `json:"past_due"`
	Open    int    `json:"open"`
}
