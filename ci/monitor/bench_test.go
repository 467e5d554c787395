package monitor

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gitlab.com/vigil-vm/vigil/ci/vulndb"
)

// Benchmark settings, from the environment so `go test -bench` needs no flags.
func benchFleet() (n, size int) {
	n, size = 10_000, 200
	if v, err := strconv.Atoi(os.Getenv("VIGIL_BENCH_FLEET")); err == nil && v > 0 {
		n = v
	}
	return n, size
}

// BenchmarkMonitor is a day of continuous monitoring on a fleet of stored
// SBOMs ($VIGIL_BENCH_FLEET of them, 10,000 by default, of 200 packages each,
// made by fleet from real SBOMs): the first run's full re-match against the
// older build (which indexes every SBOM), the diff to the build a week
// later, and the incremental re-match of the SBOMs the diff names. The
// SBOMs are stored packed, one file each, as the bot's ledger stores them;
// the work runs in a child process so that its peak RSS (VmHWM) is its own,
// not this process's, which built the two DBs.
func BenchmarkMonitor(b *testing.B) {
	n, size := benchFleet()
	dir := os.Getenv("VIGIL_BENCH_FLEET_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	stored, err := storeFleet(b, dir, n, size)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("fleet: %d SBOMs of %d packages, %.1f MB stored (%.1f KB each)", n, size, float64(stored)/1e6, float64(stored)/float64(n)/1e3)
	for b.Loop() {
		args := []string{"-test.run=^TestMonitorChild$", "-test.v"}
		if prof := os.Getenv("VIGIL_BENCH_CHILD_CPUPROFILE"); prof != "" {
			args = append(args, "-test.cpuprofile="+prof) // the child's work, for pprof
		}
		if prof := os.Getenv("VIGIL_BENCH_CHILD_MEMPROFILE"); prof != "" {
			args = append(args, "-test.memprofile="+prof, "-test.memprofilerate=65536")
		}
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), "VIGIL_MONITOR_CHILD="+strings.Join([]string{dir, oldDB, newDB}, string(os.PathListSeparator)))
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("monitor child: %v\n%s", err, out)
		}
		figures := map[string]float64{}
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if k, v, ok := strings.Cut(strings.TrimPrefix(line, "figure "), "="); ok && strings.HasPrefix(line, "figure ") {
				figures[k], _ = strconv.ParseFloat(v, 64)
			} else if strings.HasPrefix(line, "bench_test.go") || strings.Contains(line, "monitor:") {
				b.Log(line)
			}
		}
		for _, k := range []string{"full-sboms/s", "full-cpu-ms/sbom", "diff-s", "incremental-s", "incremental-cpu-s", "matched-sboms", "peak-rss-MB"} {
			b.ReportMetric(figures[k], k)
		}
	}
}

// storeFleet writes n packed SBOMs into dir (reusing those already there)
// and returns their total size.
func storeFleet(tb testing.TB, dir string, n, size int) (int64, error) {
	var total int64
	for i := range n {
		path := filepath.Join(dir, fmt.Sprintf("%05d.sbom.zst", i))
		if st, err := os.Stat(path); err == nil {
			total += st.Size()
			continue
		}
		s := fleet(tb, 1, size, uint64(i)+1000)[0]
		s.Source.ID = fmt.Sprintf("fleet-%d", i)
		p, err := Pack(s)
		if err != nil {
			return 0, err
		}
		if err := os.WriteFile(path, p, 0o644); err != nil {
			return 0, err
		}
		total += int64(len(p))
	}
	return total, nil
}

// TestMonitorChild is BenchmarkMonitor's child; it runs only when started by it.
func TestMonitorChild(t *testing.T) {
	env := os.Getenv("VIGIL_MONITOR_CHILD")
	if env == "" {
		t.Skip("run by BenchmarkMonitor")
	}
	parts := filepath.SplitList(env)
	dir, oldDir, newDir := parts[0], parts[1], parts[2]
	files, err := filepath.Glob(filepath.Join(dir, "*.sbom.zst"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no stored SBOMs in %s: %v", dir, err)
	}
	ctx := context.Background()
	ix := NewIndex()
	u := NewUnpacker() // as a long-lived bot keeps one; the memo is per build

	start, cpu0 := time.Now(), cpuTime()
	matchFiles(t, oldDir, files, nil, u, func(o Outcome) { ix.Add(o.Index, o.Keys) })
	full := time.Since(start)
	fmt.Printf("figure full-sboms/s=%.2f\n", float64(len(files))/full.Seconds())
	fmt.Printf("figure full-cpu-ms/sbom=%.1f\n", float64((cpuTime()-cpu0).Milliseconds())/float64(len(files)))

	start = time.Now()
	d, err := DiffBuilds(ctx, oldDir, newDir)
	if err != nil {
		t.Fatal(err)
	}
	diffTime := time.Since(start)
	fmt.Printf("figure diff-s=%.2f\n", diffTime.Seconds())

	start, cpu0 = time.Now(), cpuTime()
	affected := ix.Affected(d, len(files))
	findings := 0
	matchFiles(t, newDir, files, affected, u, func(o Outcome) { findings += len(o.Result.Matches) })
	inc := time.Since(start)
	fmt.Printf("figure incremental-cpu-s=%.1f\n", (cpuTime() - cpu0).Seconds())
	fmt.Printf("figure incremental-s=%.2f\nfigure matched-sboms=%d\n", inc.Seconds()+diffTime.Seconds(), len(affected))
	fmt.Printf("figure peak-rss-MB=%.1f\n", vmHWM()/1024)
	load, _ := os.ReadFile("/proc/loadavg")
	t.Logf("monitor: load average at the end: %s", strings.TrimSpace(string(load)))
	t.Logf("monitor: %d stored SBOMs; full re-match %.1fs; diff %.2fs (%d packages changed); %d SBOMs matched again in %.1fs (%d matches)",
		len(files), full.Seconds(), diffTime.Seconds(), len(d.Packages), len(affected), inc.Seconds(), findings)
}

// matchFiles matches the stored SBOMs in files (those at the positions in
// which, or all when nil) against the DB in dbDir, reading each from disk
// as a worker takes it.
func matchFiles(t *testing.T, dbDir string, files []string, which []int, u *Unpacker, fn func(Outcome)) {
	t.Helper()
	if which == nil {
		which = every(len(files))
	}
	vp, _, err := vulndb.Open(context.Background(), vulndb.OpenOptions{Dir: dbDir, AllowStale: true})
	if err != nil {
		t.Fatal(err)
	}
	defer vp.Close()
	load := func(i int) ([]byte, error) { return os.ReadFile(files[which[i]]) }
	m := NewMatcher(vp, 0, WithUnpacker(u))
	err = m.MatchEach(context.Background(), len(which), load, func(o Outcome) error {
		o.Index = which[o.Index]
		fn(o)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("monitor: %d SBOMs matched against %s: %d package answers from the memo; %d packages decoded so far", len(which), filepath.Base(dbDir), m.MemoHits(), u.Decoded())
}

// cpuTime is the CPU time this process has used, user and system: on a
// shared machine, the figure that does not depend on the neighbours.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// vmHWM is this process's peak resident set in KiB, from /proc: unlike
// getrusage's ru_maxrss it starts afresh at exec.
func vmHWM() float64 {
	data, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb
		}
	}
	return 0
}

// BenchmarkFullRematch matches stored SBOMs of the fleet against the new
// build, one op per SBOM, on every CPU (a DB opened once: the search cache
// warms as a full pass would). For profiles: -cpuprofile.
func BenchmarkFullRematch(b *testing.B) {
	packed := packAll(b, fleet(b, 200, 200, 7))
	vp, _, err := vulndb.Open(context.Background(), vulndb.OpenOptions{Dir: newDB, AllowStale: true})
	if err != nil {
		b.Fatal(err)
	}
	defer vp.Close()
	m := NewMatcher(vp, 0)
	b.ResetTimer()
	cpu0 := cpuTime()
	err = m.MatchEach(context.Background(), b.N, func(i int) ([]byte, error) { return packed[i%len(packed)], nil }, func(Outcome) error { return nil })
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sboms/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1e3/float64(b.N), "cpu-ms/sbom")
}
