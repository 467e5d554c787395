package readout

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// The scripted history: three projects in three groups, a clock moved from
// November 2025 to March 2026. Every expected number below is derived by
// hand in the comments from these events, never by calling Compute.
//
//	F1 acme/web/shop  Critical  detected Jan 10, due Feb 09, fixed Feb 05 12:00 → 26.5 d, in time
//	F2 acme/web/shop  Medium→High (Jan 06), due Apr 05 → Feb 04, breached Feb 05, fixed Feb 20 → 46 d, late
//	F3 acme/api/core  High      detected Feb 03, due Mar 05, fixed Feb 10 06:00 → 7.25 d, in time;
//	                            detected again Feb 17 (issue reopened), open at Mar 01 (12 d old)
//	F4 acme/api/core  Medium    detected Nov 01, due Jan 30; accepted risk Jan 02 → Feb 01, expired Feb 01;
//	                            open at Mar 01 (120 d old), past due
//	F5 beta/tools/cli Medium    detected Nov 15, due Feb 13; accepted risk (alice) Jan 15 → Mar 20;
//	                            open at Mar 01 (106 d old), not past due: the exception holds
//	F6 beta/tools/cli Low       detected Feb 12, due Aug 11; false positive (bob) Feb 14; open (17 d old)
//	F7 acme/web/shop  Critical  detected Feb 24, due Mar 26, open (5 d old); fixed Mar 03, after the period
//	F8 acme/web/shop  High      detected Dec 20, due Jan 19, fixed Jan 25 → 36 d, late (before February)
//	F9 beta/tools/cli Low       detected Feb 02, no issue (no due date), fixed Feb 26 → 24 d
//
// Merge requests: !4 (acme/web/shop, High) opened Jan 20, merged Feb 01 → 12 d;
// !1 (acme/web/shop, Critical, auto-merge) opened Feb 03, merged Feb 05 12:00 → 2.5 d;
// !2 (acme/web/shop, High) opened Feb 10, merged Feb 16 → 6 d;
// !3 (acme/api/core, Medium) opened Feb 20, closed unmerged Feb 22.
//
// acme/web/shop's issues are in tier production, beta/tools/cli's in staging.
func script() []ledger.Event {
	var evs []ledger.Event
	const shop, core, cli = "acme/web/shop", "acme/api/core", "beta/tools/cli"
	ids := map[string]int64{shop: 1, core: 2, cli: 3}
	tiers := map[string]string{shop: "production", cli: "staging"}
	add := func(at string, kind ledger.EventKind, fp, project string, sev findings.Severity, due string, set func(*ledger.Event)) {
		e := ledger.Event{ID: fmt.Sprintf("s%03d", len(evs)), At: ts(at), Kind: kind, Fingerprint: fp, Group: "G" + fp[1:], ProjectID: ids[project],
			ProjectPath: project, Severity: sev, Due: date(due), Actor: ledger.ActorBot}
		if kind != ledger.EventDetected && kind != ledger.EventResolved && kind != ledger.EventSeverityChanged {
			e.Fingerprint, e.Tier = "", tiers[project]
		}
		if set != nil {
			set(&e)
		}
		evs = append(evs, e)
	}
	detect := func(at, fp, project string, sev findings.Severity, due string) {
		add(at, ledger.EventDetected, fp, project, sev, "", nil)
		if due != "" {
			add(at, ledger.EventIssueOpened, fp, project, sev, due, nil)
		}
	}
	fix := func(at, fp, project string) { add(at, ledger.EventResolved, fp, project, 0, "", nil) }
	grant := func(at, fp, project string, kind findings.ExceptionKind, by, expires string) {
		add(at, ledger.EventExceptionGranted, fp, project, 0, "", func(e *ledger.Event) {
			e.Detail, e.Actor, e.Expires = string(kind), by, date(expires)
		})
	}
	mr := func(at string, kind ledger.EventKind, project string, iid int64, sev findings.Severity, detail string) {
		add(at, kind, "M0", project, sev, "", func(e *ledger.Event) { e.Group, e.Tier, e.MR, e.Detail = "", "", iid, detail })
	}

	detect("2025-11-01T00:00:00Z", "F4", core, findings.Medium, "2026-01-30")
	detect("2025-11-15T00:00:00Z", "F5", cli, findings.Medium, "2026-02-13")
	detect("2025-12-20T00:00:00Z", "F8", shop, findings.High, "2026-01-19")
	grant("2026-01-02T00:00:00Z", "F4", core, findings.AcceptedRisk, "carol", "2026-02-01")
	detect("2026-01-05T00:00:00Z", "F2", shop, findings.Medium, "2026-04-05")
	add("2026-01-06T00:00:00Z", ledger.EventSeverityChanged, "F2", shop, findings.High, "", func(e *ledger.Event) { e.Detail = "Medium" })
	add("2026-01-06T00:00:00Z", ledger.EventDueChanged, "F2", shop, findings.High, "2026-02-04", nil)
	detect("2026-01-10T00:00:00Z", "F1", shop, findings.Critical, "2026-02-09")
	grant("2026-01-15T00:00:00Z", "F5", cli, findings.AcceptedRisk, "alice", "2026-03-20")
	add("2026-01-20T00:00:00Z", ledger.EventBreached, "F8", shop, findings.High, "2026-01-19", nil)
	mr("2026-01-20T00:00:00Z", ledger.EventPatchOpened, shop, 4, findings.High, "")
	fix("2026-01-25T00:00:00Z", "F8", shop)
	add("2026-01-25T00:00:00Z", ledger.EventClosedByBot, "F8", shop, findings.High, "2026-01-19", nil)

	add("2026-02-01T00:00:00Z", ledger.EventExceptionExpired, "F4", core, findings.Medium, "2026-01-30", nil)
	mr("2026-02-01T00:00:00Z", ledger.EventPatchMerged, shop, 4, findings.High, "")
	add("2026-02-02T00:00:00Z", ledger.EventDetected, "F9", cli, findings.Low, "", nil)
	detect("2026-02-03T00:00:00Z", "F3", core, findings.High, "2026-03-05")
	mr("2026-02-03T00:00:00Z", ledger.EventPatchOpened, shop, 1, findings.Critical, "auto-merge")
	add("2026-02-05T00:00:00Z", ledger.EventBreached, "F2", shop, findings.High, "2026-02-04", nil)
	fix("2026-02-05T12:00:00Z", "F1", shop)
	mr("2026-02-05T12:00:00Z", ledger.EventPatchMerged, shop, 1, findings.Critical, "")
	fix("2026-02-10T06:00:00Z", "F3", core)
	add("2026-02-10T06:00:00Z", ledger.EventClosedByBot, "F3", core, findings.High, "2026-03-05", nil)
	mr("2026-02-10T00:00:00Z", ledger.EventPatchOpened, shop, 2, findings.High, "")
	detect("2026-02-12T00:00:00Z", "F6", cli, findings.Low, "2026-08-11")
	grant("2026-02-14T00:00:00Z", "F6", cli, findings.FalsePositive, "bob", "")
	mr("2026-02-16T00:00:00Z", ledger.EventPatchMerged, shop, 2, findings.High, "")
	add("2026-02-17T00:00:00Z", ledger.EventDetected, "F3", core, findings.High, "", nil)
	add("2026-02-17T00:00:00Z", ledger.EventReopened, "F3", core, findings.High, "2026-03-05", nil)
	fix("2026-02-20T00:00:00Z", "F2", shop)
	mr("2026-02-20T00:00:00Z", ledger.EventPatchOpened, core, 3, findings.Medium, "")
	mr("2026-02-22T00:00:00Z", ledger.EventPatchClosed, core, 3, findings.Medium, "")
	detect("2026-02-24T00:00:00Z", "F7", shop, findings.Critical, "2026-03-26")
	fix("2026-02-26T00:00:00Z", "F9", cli)
	fix("2026-03-03T00:00:00Z", "F7", shop)
	return evs
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func date(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	return ts(s + "T00:00:00Z")
}

// scriptedLedger is a real ledger (SQLite, or PostgreSQL under
// VIGIL_TEST_DATABASE=postgres) holding the script, written as the bot
// writes its history.
func scriptedLedger(t testing.TB) *ledger.Ledger {
	t.Helper()
	l := testLedger(t)
	if err := l.RecordEvents(context.Background(), script()...); err != nil {
		t.Fatal(err)
	}
	return l
}

var february = Options{Since: date("2026-02-01"), Until: date("2026-03-01")}

func february2026(t *testing.T, l *ledger.Ledger, scope Scope) *Readout {
	t.Helper()
	o := february
	o.Scope = scope
	r, err := FromLedger(context.Background(), l, o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestScriptedFebruary(t *testing.T) {
	r := february2026(t, scriptedLedger(t), Scope{})

	// New: F9 Feb 02, F3 Feb 03, F6 Feb 12, F3 again Feb 17, F7 Feb 24 = 5.
	// Fixed: F1 Feb 05, F3 Feb 10, F2 Feb 20, F9 Feb 26 = 4 (F8 was fixed in
	// January, F7 after the period).
	// Open at Mar 01: F3, F4, F5, F6, F7 = 5. Past due: F4 only (F5's due
	// date passed but its accepted risk holds until Mar 20).
	// Compliance: F1 and F3 in time, F2 late; F9 had no due date: 2/3.
	// MTTR: 7.25, 24, 26.5, 46 → mean 103.75/4 = 25.9375, median
	// (24+26.5)/2 = 25.25, p90 the ⌈3.6⌉ = 4th = 46.
	want := Headline{Open: 5, PastDue: 1, New: 5, Fixed: 4,
		Compliance: Compliance{Resolved: 3, WithinSLA: 2, Ratio: 2.0 / 3},
		MTTR:       Stats{Count: 4, MeanDays: 25.9375, MedianDays: 25.25, P90Days: 46}}
	if r.Headline != want {
		t.Errorf("headline\n got %+v\nwant %+v", r.Headline, want)
	}

	// Critical: F1 fixed in 26.5 d in time, F7 new and open (5 d old).
	// High: F3 new twice, fixed once (7.25 d, in time), open again (12 d);
	// F2 fixed late in 46 d: compliance 1/2, mean = median = 26.625, p90 46.
	// Medium: F4 (120 d old, past due) and F5 (106 d old) open.
	// Low: F6 new and open (17 d), F9 new, fixed in 24 d without a due date.
	wantSev := map[findings.Severity]SeverityRow{
		findings.Critical: {Open: 1, Age: [4]int{1, 0, 0, 0}, New: 1, Fixed: 1,
			Compliance: Compliance{1, 1, 1}, MTTR: Stats{1, 26.5, 26.5, 26.5}},
		findings.High: {Open: 1, Age: [4]int{1, 0, 0, 0}, New: 2, Fixed: 2,
			Compliance: Compliance{2, 1, 0.5}, MTTR: Stats{2, 26.625, 26.625, 46}},
		findings.Medium: {Open: 2, Age: [4]int{0, 0, 2, 0}, PastDue: 1},
		findings.Low: {Open: 1, Age: [4]int{1, 0, 0, 0}, New: 2, Fixed: 1,
			MTTR: Stats{1, 24, 24, 24}},
	}
	if len(r.Severities) != 6 {
		t.Fatalf("severities = %d rows, want all 6", len(r.Severities))
	}
	for _, row := range r.Severities {
		w := wantSev[row.Severity]
		w.Severity = row.Severity
		if row != w {
			t.Errorf("severity %s\n got %+v\nwant %+v", row.Severity, row, w)
		}
	}

	// Weeks start on Monday, the first at Feb 01 (a Sunday, so a week of one
	// day), then Feb 02, 09, 16, 23.
	// Feb 02–08: new F9, F3; fixed F1. Feb 09–15: new F6; fixed F3.
	// Feb 16–22: new F3 again; fixed F2. Feb 23–: new F7; fixed F9.
	wantWeeks := []Week{{date("2026-02-01"), 0, 0}, {date("2026-02-02"), 2, 1}, {date("2026-02-09"), 1, 1},
		{date("2026-02-16"), 1, 1}, {date("2026-02-23"), 1, 1}}
	if len(r.Weeks) != len(wantWeeks) {
		t.Fatalf("weeks = %+v, want %+v", r.Weeks, wantWeeks)
	}
	for i := range wantWeeks {
		if !r.Weeks[i].Start.Equal(wantWeeks[i].Start) || r.Weeks[i].New != wantWeeks[i].New || r.Weeks[i].Fixed != wantWeeks[i].Fixed {
			t.Errorf("week %d = %+v, want %+v", i, r.Weeks[i], wantWeeks[i])
		}
	}

	// In force at Mar 01: F5's accepted risk (expires Mar 20, within 30
	// days: expiring) and F6's false positive; F4's expired on Feb 01.
	ex := r.Exceptions
	if ex.Active != 2 || ex.Expiring != 1 || len(ex.List) != 2 ||
		ex.List[0].By != "alice" || !ex.List[0].Expires.Equal(date("2026-03-20")) || ex.List[0].Findings != 1 ||
		ex.List[1].Kind != findings.FalsePositive || ex.List[1].Project != "beta/tools/cli" {
		t.Errorf("exceptions = %+v", ex)
	}

	// Opened in February: !1, !2, !3. Merged: !4, !1 (auto-merge), !2.
	// Closed: !3. Days to merge 12, 2.5, 6: median 6.
	if want := (Patches{Opened: 3, Merged: 3, AutoMerged: 1, Closed: 1, MedianDaysToMerge: 6}); r.Patches != want {
		t.Errorf("patches = %+v, want %+v", r.Patches, want)
	}

	// acme/web: F1 (in time), F2 (late) fixed, F7 new and open.
	// acme/api: F3 new twice, fixed once in time; F3 and F4 open, F4 past due.
	// beta/tools: F6 and F9 new, F9 fixed without a due date; F5, F6 open.
	wantGroups := []GroupRow{
		{Group: "acme/api", Open: 2, PastDue: 1, New: 2, Fixed: 1, Compliance: Compliance{1, 1, 1}, MTTR: Stats{1, 7.25, 7.25, 7.25}},
		{Group: "acme/web", Open: 1, New: 1, Fixed: 2, Compliance: Compliance{2, 1, 0.5}, MTTR: Stats{2, 36.25, 36.25, 46}},
		{Group: "beta/tools", Open: 2, New: 2, Fixed: 1, MTTR: Stats{1, 24, 24, 24}},
	}
	if len(r.Groups) != len(wantGroups) {
		t.Fatalf("groups = %+v", r.Groups)
	}
	for i, w := range wantGroups {
		if r.Groups[i] != w {
			t.Errorf("group %d\n got %+v\nwant %+v", i, r.Groups[i], w)
		}
	}
	// Tiers: F7 in production; F5, F6 in staging; F3, F4 (acme/api) in none, F4 past due.
	wantTiers := []TierRow{{"", 2, 1}, {"production", 1, 0}, {"staging", 2, 0}}
	if !slices.Equal(r.Tiers, wantTiers) {
		t.Errorf("tiers = %+v, want %+v", r.Tiers, wantTiers)
	}
	if len(r.TopGroups) != 1 || r.TopGroups[0] != (Ranked{"acme/api", 1, 2}) ||
		len(r.TopProjects) != 1 || r.TopProjects[0] != (Ranked{"acme/api/core", 1, 2}) {
		t.Errorf("top = %+v %+v, want acme/api and acme/api/core with 1 past due", r.TopGroups, r.TopProjects)
	}
}

func TestScriptedScopes(t *testing.T) {
	l := scriptedLedger(t)
	cases := []struct {
		name  string
		scope Scope
		want  Headline
		pat   Patches
		exc   int
	}{
		// acme only: F1, F2, F3 fixed (7.25, 26.5, 46: mean 79.75/3, median
		// 26.5, p90 the 3rd); F3 twice and F7 new; F3, F4, F7 open, F4 past due.
		{"group", Scope{Group: "acme"}, Headline{Open: 3, PastDue: 1, New: 3, Fixed: 3,
			Compliance: Compliance{3, 2, 2.0 / 3}, MTTR: Stats{3, 79.75 / 3, 26.5, 46}},
			Patches{Opened: 3, Merged: 3, AutoMerged: 1, Closed: 1, MedianDaysToMerge: 6}, 0},
		// production is acme/web/shop: F1, F2 fixed, F7 new and open.
		// Merge requests carry no tier: a tier does not narrow them.
		{"tier", Scope{Tier: "production"}, Headline{Open: 1, New: 1, Fixed: 2,
			Compliance: Compliance{2, 1, 0.5}, MTTR: Stats{2, 36.25, 36.25, 46}},
			Patches{Opened: 3, Merged: 3, AutoMerged: 1, Closed: 1, MedianDaysToMerge: 6}, 0},
		// High: F2, F3 (and F3 again). MRs of High: !2 opened, !4 and !2
		// merged in 12 and 6 days: median 9.
		{"severity", Scope{Severities: []findings.Severity{findings.High}}, Headline{Open: 1, New: 2, Fixed: 2,
			Compliance: Compliance{2, 1, 0.5}, MTTR: Stats{2, 26.625, 26.625, 46}},
			Patches{Opened: 1, Merged: 2, MedianDaysToMerge: 9}, 0},
		// One project: beta/tools/cli. Its exceptions: F5's and F6's.
		{"project", Scope{Project: "beta/tools/cli"}, Headline{Open: 2, New: 2, Fixed: 1, MTTR: Stats{1, 24, 24, 24}},
			Patches{}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := february2026(t, l, c.scope)
			if r.Headline != c.want {
				t.Errorf("headline\n got %+v\nwant %+v", r.Headline, c.want)
			}
			if r.Patches != c.pat {
				t.Errorf("patches = %+v, want %+v", r.Patches, c.pat)
			}
			if r.Exceptions.Active != c.exc {
				t.Errorf("exceptions = %d, want %d", r.Exceptions.Active, c.exc)
			}
		})
	}
}

func TestScriptedJanuary(t *testing.T) {
	r, err := FromLedger(context.Background(), scriptedLedger(t), Options{Since: date("2026-01-01"), Until: date("2026-02-01")})
	if err != nil {
		t.Fatal(err)
	}
	// New: F2 Jan 05, F1 Jan 10. Fixed: F8 Jan 25, 36 days after Dec 20,
	// late (due Jan 19). Open at Feb 01: F1, F2, F4, F5. Past due: F4 (due
	// Jan 30; its accepted risk ends at Feb 01 itself, so it no longer holds).
	want := Headline{Open: 4, PastDue: 1, New: 2, Fixed: 1, Compliance: Compliance{1, 0, 0}, MTTR: Stats{1, 36, 36, 36}}
	if r.Headline != want {
		t.Errorf("headline\n got %+v\nwant %+v", r.Headline, want)
	}
	// !4 opened Jan 20; its merge on Feb 01 is after the period.
	if r.Patches != (Patches{Opened: 1}) {
		t.Errorf("patches = %+v", r.Patches)
	}
}

func TestComputeRejectsBadPeriod(t *testing.T) {
	for _, o := range []Options{{}, {Since: date("2026-02-01"), Until: date("2026-02-01")}, {Since: date("2026-03-01"), Until: date("2026-02-01")}} {
		if _, err := Compute(func(func(ledger.Event, error) bool) {}, o); err == nil {
			t.Errorf("Compute(%v – %v) accepted an empty period", o.Since, o.Until)
		}
	}
}
