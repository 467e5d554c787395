package readout

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/internal/findings"
	"gitlab.com/vigil-vm/vigil/internal/sqlite"
)

// history makes n events of a year of a large installation: 500 projects
// in 50 groups, each finding detected and its issue opened, most fixed and
// closed, some escalated, excepted or patched. Deterministic.
func history(n int) []ledger.Event {
	rng := rand.New(rand.NewPCG(18, 2026))
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	year := 365 * 24 * time.Hour
	evs := make([]ledger.Event, 0, n+8)
	for i := 0; len(evs) < n; i++ {
		p := rng.IntN(500)
		project := fmt.Sprintf("org%02d/team%d/svc%03d", p%50, p%7, p)
		fp, group := fmt.Sprintf("fp%07d", i), fmt.Sprintf("g%07d", i)
		sev := findings.Severity(1 + rng.IntN(5))
		at := start.Add(time.Duration(rng.Int64N(int64(year))))
		due := at.AddDate(0, 0, 30*(6-int(sev)))
		base := ledger.Event{Fingerprint: fp, Group: group, ProjectID: int64(p + 1), ProjectPath: project, Severity: sev}
		ev := func(kind ledger.EventKind, at time.Time) ledger.Event {
			e := base
			e.ID, e.Kind, e.At = fmt.Sprintf("%08d%s", len(evs), kind), kind, at
			if kind != ledger.EventDetected && kind != ledger.EventResolved {
				e.Fingerprint, e.Due, e.Tier = "", due, []string{"production", "staging", ""}[p%3]
			}
			return e
		}
		evs = append(evs, ev(ledger.EventDetected, at), ev(ledger.EventIssueOpened, at.Add(time.Minute)))
		fixed := at.Add(time.Duration(rng.Int64N(int64(200 * 24 * time.Hour))))
		if rng.IntN(10) == 0 {
			g := ev(ledger.EventExceptionGranted, at.Add(time.Hour))
			g.Detail, g.Expires = string(findings.AcceptedRisk), at.AddDate(0, 3, 0)
			evs = append(evs, g)
		}
		if rng.IntN(5) == 0 {
			m := ev(ledger.EventPatchOpened, at.Add(2*time.Hour))
			m.MR, m.Group = int64(i), ""
			merged := m
			merged.ID, merged.Kind, merged.At = merged.ID+"m", ledger.EventPatchMerged, at.Add(72*time.Hour)
			evs = append(evs, m, merged)
		}
		if fixed.After(due) {
			evs = append(evs, ev(ledger.EventBreached, due.Add(24*time.Hour)))
		}
		if rng.IntN(10) < 7 {
			evs = append(evs, ev(ledger.EventResolved, fixed), ev(ledger.EventClosedByBot, fixed.Add(time.Minute)))
		}
	}
	evs = evs[:n]
	slices.SortFunc(evs, func(a, b ledger.Event) int { return a.At.Compare(b.At) })
	return evs
}

// report prints events per second of wall time, and the CPU seconds the
// process spent per read-out: on a shared machine the wall time says as
// much about the neighbours as about the code. events is the history's
// size before Until, read or not.
func report(b *testing.B, events int, cpu time.Duration) {
	b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}

// cpuTime is the user and system time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func each(evs []ledger.Event) func(func(ledger.Event, error) bool) {
	return func(yield func(ledger.Event, error) bool) {
		for _, e := range evs {
			if !yield(e, nil) {
				return
			}
		}
	}
}

// benchEvents is the history's size in BenchmarkFromLedger.
var benchEvents = 1_000_000

var benchOptions = Options{Since: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)}

// BenchmarkCompute is the read-out of a 1,000,000-event history held in
// memory: the counting alone.
func BenchmarkCompute(b *testing.B) {
	evs := history(1_000_000)
	cpu := cpuTime()
	for b.Loop() {
		if _, err := Compute(each(evs), benchOptions); err != nil {
			b.Fatal(err)
		}
	}
	report(b, len(evs), cpuTime()-cpu)
}

// BenchmarkFromLedger is the read-out of a 1,000,000-event history from a
// SQLite ledger, as `vigil report` computes it (Jun–Nov 2025 unless
// named):
//
//   - all-columns: as read-outs were computed before checkpoints, every
//     event through ledger.Events;
//   - first: without checkpoints, as the first read-out of a ledger: the
//     whole history read, the checkpoints saved;
//   - checkpoint: with the checkpoints the first saved, as every read-out
//     after it (the state at December 1 and the segments of the six
//     months; no event read);
//   - checkpoint-month: November alone, `vigil report`'s default period;
//   - checkpoint-unaligned: Jun 15 – Nov 20, a period from no month start:
//     June from the state at June 1, then the segments of July to October
//     and the state at November 1, then November's events to the 20th;
//   - checkpoint-30-days: Oct 20 – Nov 19, the dashboard's and the
//     metrics' default window: from the state at October 1, reading
//     October and November to the 19th.
func BenchmarkFromLedger(b *testing.B) {
	ctx := context.Background()
	l := benchLedger(b)
	read := func(b *testing.B, o Options, run func(Options) (*Readout, error), before func()) {
		n, err := l.EventsBefore(ctx, o.Until)
		if err != nil {
			b.Fatal(err)
		}
		var cpu time.Duration
		for b.Loop() {
			if before != nil {
				b.StopTimer()
				before()
				b.StartTimer()
			}
			start := cpuTime()
			r, err := run(o)
			cpu += cpuTime() - start
			if err != nil {
				b.Fatal(err)
			}
			if r.Headline.Fixed == 0 {
				b.Fatal("nothing fixed in the benchmark's history")
			}
		}
		report(b, int(n), cpu)
	}
	fromLedger := func(o Options) (*Readout, error) { return FromLedger(ctx, l, o) }
	dropCheckpoints := func() {
		if _, err := l.DB().ExecContext(ctx, `DELETE FROM vigil_readout_checkpoints`); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("all-columns", func(b *testing.B) {
		read(b, benchOptions, func(o Options) (*Readout, error) { return Compute(l.Events(ctx, o.Until), o) }, nil)
	})
	b.Run("first", func(b *testing.B) { read(b, benchOptions, fromLedger, dropCheckpoints) })
	november := Options{Since: time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC), Until: benchOptions.Until}
	unaligned := Options{Since: time.Date(2025, 6, 15, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 11, 20, 0, 0, 0, 0, time.UTC)}
	days30 := Options{Since: time.Date(2025, 10, 20, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 11, 19, 0, 0, 0, 0, time.UTC)}
	for _, o := range []Options{benchOptions, november, unaligned, days30} {
		if _, err := FromLedger(ctx, l, o); err != nil { // the checkpoints a first read-out saves
			b.Fatal(err)
		}
	}
	b.Run("checkpoint", func(b *testing.B) { read(b, benchOptions, fromLedger, nil) })
	b.Run("checkpoint-month", func(b *testing.B) { read(b, november, fromLedger, nil) })
	b.Run("checkpoint-unaligned", func(b *testing.B) { read(b, unaligned, fromLedger, nil) })
	b.Run("checkpoint-30-days", func(b *testing.B) { read(b, days30, fromLedger, nil) })
}

// benchLedger is a SQLite ledger holding the benchmark's history: in a
// temporary directory, or at $VIGIL_BENCH_READOUT_LEDGER, written there
// once and reused by the runs after (writing a million events takes a
// minute or two).
func benchLedger(b *testing.B) *ledger.Ledger {
	ctx := context.Background()
	path, reuse := os.LookupEnv("VIGIL_BENCH_READOUT_LEDGER")
	if !reuse {
		path = filepath.Join(b.TempDir(), "vigil.db")
	}
	_, err := os.Stat(path)
	filled := reuse && err == nil
	db, err := sqlite.Open(path, sqlite.Service())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	l, err := ledger.Open(ctx, db, ledger.SQLite)
	if err != nil {
		b.Fatal(err)
	}
	if filled {
		return l
	}
	for chunk := range slices.Chunk(history(benchEvents), 50_000) {
		if err := l.Tx(ctx, func(tx *sql.Tx) error { return l.AppendEvents(ctx, tx, chunk...) }); err != nil {
			b.Fatal(err)
		}
	}
	return l
}
