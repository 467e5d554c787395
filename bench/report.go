package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

type results struct {
	machine string
	label   string // what the measured vigil is
	command string // the flags bench ran with
	reps    int
	started time.Time
	images  []*imageResult
	rematch []string
	bot     *botResult
}

// targets from issue 7, as vigil/peer ratios: wall, RSS (0: none).
var targets = map[string][2]float64{
	"cold scan":                {0.5, 0.7},
	"repeat scan, same digest": {0.05, 0},
	"rebuilt image":            {0.3, 0.7}, // issue 20
}

func (r *results) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Run of %s", r.started.Format(time.RFC3339))
	if r.label != "" {
		fmt.Fprintf(&b, ": %s", r.label)
	}
	fmt.Fprintf(&b, "\n\nMachine: %s. Command: `go run ./bench %s`. Medians of %d alternating runs per tool; ratio = vigil / peer (lower is better for vigil).\n\n", r.machine, r.command, r.reps)
	for _, im := range r.images {
		pkgs := "" // known from the SBOM scenario only
		if len(im.vigilC) > 0 {
			pkgs = fmt.Sprintf(", %d packages", len(im.vigilC))
		}
		fmt.Fprintf(&b, "### %s image (`%s`, %.0f MB compressed%s)\n\n", im.name, im.digest, im.compressedMB, pkgs)
		b.WriteString("| scenario | peer | vigil wall | peer wall | wall ratio | vigil peak RSS | peer peak RSS | RSS ratio | vigil CPU | peer CPU | target |\n")
		b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
		for _, s := range im.scenarios {
			v, p := medians(s.vigil), medians(s.other)
			wr, rr := v.wall.Seconds()/p.wall.Seconds(), float64(v.rssKB)/float64(p.rssKB)
			fmt.Fprintf(&b, "| %s | %s | %.2f s | %.2f s | **%.3f** | %d MB | %d MB | **%.2f** | %.2f s | %.2f s | %s |\n",
				s.name, s.peer, v.wall.Seconds(), p.wall.Seconds(), wr, v.rssKB/1024, p.rssKB/1024, rr, v.cpu.Seconds(), p.cpu.Seconds(), verdict(s.name, wr, rr))
		}
		writeFindingsDiff(&b, "Findings (vulnerability, package, version)", im.vigilF, im.grypeF)
		if im.rebuiltF != nil {
			writeFindingsDiff(&b, "Rebuilt image findings (vigil after the original, same as its cold scan; grype)", im.rebuiltF, im.grypeRebuiltF)
		}
		onlyV, onlyS := diff(im.vigilC, im.syftC)
		fmt.Fprintf(&b, "\nSBOM packages (CycloneDX components with a purl): vigil %d, syft %d, only vigil %d, only syft %d.\n", len(im.vigilC), len(im.syftC), len(onlyV), len(onlyS))
		writeList(&b, "only vigil", onlyV)
		writeList(&b, "only syft", onlyS)
		b.WriteString("\n")
	}
	if len(r.rematch) > 0 {
		b.WriteString("### Re-matching stored SBOMs (`go test ./ci/scan -bench Rematch`)\n\n```\n")
		for _, l := range r.rematch {
			b.WriteString(l + "\n")
		}
		b.WriteString("```\n")
	}
	if r.bot != nil {
		r.bot.markdown(&b)
	}
	return b.String()
}

func (br *botResult) markdown(b *strings.Builder) {
	b.WriteString("\n### Bot: GitLab API calls per ingest (`vigil bot` process against the GitLab double)\n\n")
	b.WriteString("| ingest | API calls | writes | issue-list pages | open issues | notes | target |\n|---|---:|---:|---:|---:|---:|---|\n")
	// The unchanged rescan with patching off is the baseline patching on
	// must stay within, plus one merge request list.
	baseline := -1
	for _, ic := range br.ingests {
		if !ic.patching && strings.HasPrefix(ic.name, "unchanged rescan") {
			baseline = ic.total
		}
	}
	for _, ic := range br.ingests {
		target := "—"
		if strings.HasPrefix(ic.name, "unchanged rescan") {
			pagesAllowed := (ic.openIssues + 99) / 100
			ok := ic.writes == 0 && ic.listPages <= max(1, pagesAllowed)
			target = fmt.Sprintf("0 writes, ≤ %d list page(s)", max(1, pagesAllowed))
			if ic.patching {
				ok = ok && baseline >= 0 && ic.total <= baseline+1 && ic.notes == 0
				target += fmt.Sprintf(", ≤ %d calls (patching off + 1 MR list), 0 notes", baseline+1)
			}
			target += ": " + map[bool]string{true: "✔", false: "✘"}[ok]
		}
		fmt.Fprintf(b, "| %s | %d | %d | %d | %d | %d | %s |\n", ic.name, ic.total, ic.writes, ic.listPages, ic.openIssues, ic.notes, target)
	}
	fmt.Fprintf(b, "\n### Bot: webhook acknowledgement under load (separate process on loopback)\n\n")
	fmt.Fprintf(b, "%d Job Hook deliveries at %d/s for %s: %d acknowledged (202), %d lost, %d worked off by the queue afterwards.\n\n",
		br.sent, br.rate, br.duration, br.accepted, br.failed, br.processed)
	b.WriteString("| p50 | p90 | p99 | max | target |\n|---:|---:|---:|---:|---|\n")
	ok := br.p99 < 10*time.Millisecond && br.failed == 0 && br.processed >= br.accepted
	fmt.Fprintf(b, "| %s | %s | %s | %s | p99 < 10 ms, none lost: %s |\n", ms(br.p50), ms(br.p90), ms(br.p99), ms(br.max), map[bool]string{true: "✔", false: "✘"}[ok])
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func verdict(name string, wall, rss float64) string {
	t, ok := targets[name]
	if !ok {
		return "—"
	}
	var parts []string
	mark := func(what string, got, want float64) {
		if got <= want {
			parts = append(parts, fmt.Sprintf("%s ≤ %.2f ✔", what, want))
		} else {
			parts = append(parts, fmt.Sprintf("%s ≤ %.2f ✘ (%.1f× over)", what, want, got/want))
		}
	}
	mark("wall", wall, t[0])
	if t[1] > 0 {
		mark("RSS", rss, t[1])
	}
	return strings.Join(parts, ", ")
}

// writeFindingsDiff compares vigil's findings with grype's on one image.
func writeFindingsDiff(b *strings.Builder, title string, vigil, grype []string) {
	onlyV, onlyG := diff(vigil, grype)
	fmt.Fprintf(b, "\n%s: vigil %d, grype %d, only vigil %d, only grype %d.", title, len(vigil), len(grype), len(onlyV), len(onlyG))
	if len(onlyV)+len(onlyG) == 0 {
		b.WriteString(" **Identical sets.**")
	}
	b.WriteString("\n")
	writeList(b, "only vigil", onlyV)
	writeList(b, "only grype", onlyG)
}

func writeList(b *strings.Builder, title string, items []string) {
	if len(items) == 0 {
		return
	}
	fmt.Fprintf(b, "\n<details><summary>%s (%d)</summary>\n\n", title, len(items))
	for i, x := range items {
		if i == 40 {
			fmt.Fprintf(b, "- … %d more\n", len(items)-40)
			break
		}
		fmt.Fprintf(b, "- `%s`\n", x)
	}
	b.WriteString("\n</details>\n")
}

// machine describes the CPU, memory and OS the figures come from.
func machine() string {
	cpu, mem := "unknown CPU", ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				cpu = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		fmt.Sscanf(strings.SplitN(string(b), "\n", 2)[0], "MemTotal: %d kB", &kb)
		mem = fmt.Sprintf(", %.0f GB RAM", float64(kb)/1024/1024)
	}
	return fmt.Sprintf("%d × %s%s, %s/%s, %s (shared with other builds)", runtime.NumCPU(), cpu, mem, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}
