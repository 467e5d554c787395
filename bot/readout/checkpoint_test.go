package readout

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/internal/findings"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// withoutCheckpoints is the read-out as it was computed before checkpoints:
// every event from the first, every column.
func withoutCheckpoints(t *testing.T, l *ledger.Ledger, o Options) *Readout {
	t.Helper()
	r, err := Compute(l.Events(context.Background(), o.Until), o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func sameReadout(t *testing.T, what string, got, want *Readout) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("%s: with checkpoints\n %s\nwithout\n %s", what, g, w)
	}
}

// resumesAt is where a read-out of o reads the rest of the history from:
// the state at or before Since it restored, or the later one it moved to.
func resumesAt(t *testing.T, l *ledger.Ledger, o Options) time.Time {
	t.Helper()
	ctx := context.Background()
	o = o.withDefaults()
	known, err := l.Checkpoints().Range(ctx, checkpointVersion, monthStart(o.Since), o.Until)
	if err != nil {
		t.Fatal(err)
	}
	b := o.Since
	if !b.Equal(monthStart(b)) {
		b = monthStart(b).AddDate(0, 1, 0)
	}
	c := newCounter(o)
	from, _, err := c.resume(ctx, l)
	if err == nil && b.Before(o.Until) {
		var p time.Time
		if p, _, err = c.segments(ctx, l, known, b); !p.IsZero() {
			from = p
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return from
}

// wantResume is where a read-out of o should read the rest from once the
// checkpoints of an earlier one are saved: the state at the last month
// start before Until, when whole months lie between it and Since; else
// the state at the month start of Since.
func wantResume(o Options) time.Time {
	b := o.Since
	if !b.Equal(monthStart(b)) {
		b = monthStart(b).AddDate(0, 1, 0)
	}
	if monthStart(o.Until).After(b) {
		return monthStart(o.Until)
	}
	return monthStart(o.Since)
}

// checkPeriods computes every period in every scope twice (the first pass
// saves the checkpoints, the second resumes from them) and compares each
// read-out with the one computed without checkpoints.
func checkPeriods(t *testing.T, l *ledger.Ledger, periods []Options, scopes []Scope) {
	ctx := context.Background()
	want := map[int]*Readout{}
	for pass := range 2 {
		for i, p := range periods {
			for j, s := range scopes {
				o := p
				o.Scope = s
				got, err := FromLedger(ctx, l, o)
				if err != nil {
					t.Fatal(err)
				}
				k := i*len(scopes) + j
				if want[k] == nil {
					want[k] = withoutCheckpoints(t, l, o)
				}
				sameReadout(t, o.Since.Format(time.DateOnly)+"–"+o.Until.Format(time.DateOnly)+" "+s.Group+s.Project+s.Tier, got, want[k])
			}
			if n, _ := l.EventsBefore(ctx, wantResume(p)); n > 0 && pass == 1 {
				if from := resumesAt(t, l, p); !from.Equal(wantResume(p)) {
					t.Errorf("a read-out of %s–%s reads from %s, want %s", p.Since, p.Until, from, wantResume(p))
				}
			}
		}
	}
}

func TestCheckpointsKeepTheScriptedReadouts(t *testing.T) {
	periods := []Options{
		february,
		{Since: ts("2026-01-15T00:00:00Z"), Until: date("2026-03-01")},
		{Since: ts("2025-12-10T12:00:00Z"), Until: date("2026-02-20"), GroupDepth: 1},
		{Since: date("2026-03-01"), Until: date("2026-04-01")},
		{Since: date("2025-11-01"), Until: date("2025-12-01")},
		{Since: date("2026-01-01"), Until: date("2026-04-01")},
	}
	scopes := []Scope{{}, {Group: "acme"}, {Tier: "production"}, {Severities: []findings.Severity{findings.High}},
		{Project: "beta/tools/cli"}, {Group: "acme/api", Severities: []findings.Severity{findings.Medium}}}
	checkPeriods(t, scriptedLedger(t), periods, scopes)
}

func TestCheckpointsKeepGeneratedReadouts(t *testing.T) {
	ctx := context.Background()
	l := testLedger(t)
	if err := l.RecordEvents(ctx, history(8_000)...); err != nil {
		t.Fatal(err)
	}
	periods := []Options{
		benchOptions,
		{Since: date("2025-03-15"), Until: date("2025-04-15")},
		{Since: date("2025-09-01"), Until: date("2025-10-01"), GroupDepth: 1},
		{Since: date("2025-01-01"), Until: date("2025-02-01")},
		{Since: date("2025-07-10"), Until: ts("2025-07-20T06:00:00Z")},
		{Since: date("2025-06-01"), Until: date("2025-09-15")},
	}
	scopes := []Scope{{}, {Group: "org07"}, {Tier: "staging", Severities: []findings.Severity{findings.Critical, findings.High}},
		{Project: "org03/team3/svc003"}}
	checkPeriods(t, l, periods, scopes)
}

// An event written after a checkpoint with a time before it (a merge
// request's merge time from GitLab, a hook after an outage, a replica's
// slow clock) makes the checkpoint stale: the read-out is computed without
// it, gives the numbers of the history as it now is, and saves a fresh one.
func TestLateEventsMakeACheckpointStale(t *testing.T) {
	ctx := context.Background()
	l := scriptedLedger(t)
	midJanuary := Options{Since: ts("2026-01-15T00:00:00Z"), Until: date("2026-03-01")}
	if _, err := FromLedger(ctx, l, midJanuary); err != nil { // saves the state at January 1
		t.Fatal(err)
	}
	before, err := FromLedger(ctx, l, february)
	if err != nil {
		t.Fatal(err)
	}
	if from := resumesAt(t, l, february); !from.Equal(date("2026-03-01")) {
		t.Fatalf("no checkpoints of February (reads from %s)", from)
	}
	late := []ledger.Event{
		{At: ts("2026-01-20T00:00:00Z"), Kind: ledger.EventResolved, Fingerprint: "F4", Group: "G4", ProjectID: 2,
			ProjectPath: "acme/api/core", Severity: findings.Medium, Actor: "scan"},
		{At: ts("2026-01-25T00:00:00Z"), Kind: ledger.EventPatchOpened, ProjectID: 1, ProjectPath: "acme/web/shop", MR: 9, Severity: findings.High},
		{At: ts("2026-02-08T00:00:00Z"), Kind: ledger.EventPatchMerged, ProjectID: 1, ProjectPath: "acme/web/shop", MR: 9, Severity: findings.High},
	}
	if err := l.RecordEvents(ctx, late...); err != nil {
		t.Fatal(err)
	}
	// The late events are after January 1: its state still holds.
	midFebruary := Options{Since: ts("2026-02-10T00:00:00Z"), Until: date("2026-03-01")}
	if from, _, err := newCounter(midFebruary.withDefaults()).resume(ctx, l); err != nil || !from.Equal(date("2026-01-01")) {
		t.Errorf("after late events in January, a read-out from February 10 resumes at %s (%v), want January 1", from, err)
	}
	got, err := FromLedger(ctx, l, midFebruary)
	if err != nil {
		t.Fatal(err)
	}
	sameReadout(t, "from February 10 after late events", got, withoutCheckpoints(t, l, midFebruary))
	got, err = FromLedger(ctx, l, february)
	if err != nil {
		t.Fatal(err)
	}
	want := withoutCheckpoints(t, l, february)
	sameReadout(t, "after late events", got, want)
	if want.Headline.Open == before.Headline.Open || want.Patches.MedianDaysToMerge == before.Patches.MedianDaysToMerge {
		t.Errorf("the late events changed nothing (open %d, median days to merge %v): the test tests nothing", want.Headline.Open, want.Patches.MedianDaysToMerge)
	}
	if from := resumesAt(t, l, february); !from.Equal(date("2026-03-01")) {
		t.Errorf("no fresh checkpoints of February after the late events (reads from %s)", from)
	}
}

// A state or segment that does not decode (a damaged row) is passed over.
func TestUnreadableCheckpointIsPassedOver(t *testing.T) {
	ctx := context.Background()
	l := scriptedLedger(t)
	damage := func(at time.Time, cp ledger.Checkpoint) {
		n, err := l.EventsBefore(ctx, at)
		if err != nil {
			t.Fatal(err)
		}
		cp.Version, cp.At, cp.Events, cp.SavedAt = checkpointVersion, at, n, time.Now()
		if err := l.Checkpoints().Save(ctx, cp, checkpointsKept); err != nil {
			t.Fatal(err)
		}
	}
	damage(date("2026-02-01"), ledger.Checkpoint{State: []byte("not a state")})
	got, err := FromLedger(ctx, l, february)
	if err != nil {
		t.Fatal(err)
	}
	sameReadout(t, "over a damaged state", got, withoutCheckpoints(t, l, february))
	damage(date("2026-03-01"), ledger.Checkpoint{Segment: []byte("not a segment")})
	got, err = FromLedger(ctx, l, february)
	if err != nil {
		t.Fatal(err)
	}
	sameReadout(t, "over a damaged segment", got, withoutCheckpoints(t, l, february))
}

// The state a checkpoint keeps of the scripted history at February 1, as
// a golden file: a change to the counter that changes what it keeps fails
// here, and must come with a new checkpointVersion (so ledgers' saved
// checkpoints of the old counter are not read) and `-update`.
func TestCheckpointStateGolden(t *testing.T) {
	c := newCounter(february.withDefaults())
	for _, e := range script() {
		if e.At.Before(february.Since) {
			c.add(e)
		}
	}
	state, err := c.save()
	if err != nil {
		t.Fatal(err)
	}
	s, err := decodeState(state)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.MarshalIndent(canonical(s), "", "  ")
	golden := filepath.Join("testdata", "checkpoint-state-v"+strconv.Itoa(checkpointVersion)+".json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (a new checkpointVersion needs its golden file: go test -run CheckpointStateGolden -update)", err)
	}
	if string(append(got, '\n')) != string(want) {
		t.Errorf("the counter keeps another state than checkpoint version %d did: raise checkpointVersion, then -update\n got %s", checkpointVersion, got)
	}
	// And the saved state restores to a counter that saves it again.
	r := newCounter(february.withDefaults())
	r.restore(s)
	again, err := r.save()
	if err != nil {
		t.Fatal(err)
	}
	s2, err := decodeState(again)
	if err != nil {
		t.Fatal(err)
	}
	if g2, _ := json.MarshalIndent(canonical(s2), "", "  "); string(g2) != string(got) {
		t.Errorf("a restored state saves differently:\n%s", g2)
	}
}

// canonical is a saved state keyed by name, so that it marshals in one
// order (a state is saved in the maps' order).
func canonical(s *savedState) map[string]any {
	issues, fs, projects, mrs := map[string]savedIssue{}, map[string]any{}, map[string]string{}, map[string]savedMR{}
	for _, is := range s.Issues {
		issues[is.Group] = is
	}
	for _, f := range s.Findings {
		fp, group := f.Fingerprint, s.Issues[f.Issue].Group
		f.Fingerprint, f.Issue = "", 0 // the key, and an index in the order saved
		fs[fp] = struct {
			savedFinding
			Group string
		}{f, group}
	}
	for _, p := range s.Projects {
		projects[strconv.FormatInt(p.ID, 10)] = p.Path
	}
	for _, m := range s.MRs {
		mrs[strconv.FormatInt(m.Project, 10)+"!"+strconv.FormatInt(m.IID, 10)] = m
	}
	return map[string]any{"issues": issues, "findings": fs, "projects": projects, "merge_requests": mrs}
}
