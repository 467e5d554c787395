package scan

import (
	"fmt"
	"io"
	"time"
)

// Progress reports the phases of a scan: one plain line per phase with its
// duration, which reads well both in a CI job log and on a terminal.
type Progress struct {
	w     io.Writer
	tty   bool
	start time.Time
	phase string
}

// NewProgress writes phases to w; quiet discards them. On a terminal the
// running phase is shown while it runs and replaced when it ends.
func NewProgress(w io.Writer, tty, quiet bool) *Progress {
	if quiet {
		w = io.Discard
	}
	return &Progress{w: w, tty: tty}
}

// Start begins a phase.
func (p *Progress) Start(phase string) {
	p.phase, p.start = phase, time.Now()
	if p.tty {
		fmt.Fprintf(p.w, "  … %s\r", phase)
	}
}

// Done ends the running phase with a short detail.
func (p *Progress) Done(detail string) {
	d := time.Since(p.start).Round(time.Millisecond)
	if p.tty {
		fmt.Fprintf(p.w, "\x1b[2K  ✔ %-8s %-40s %8s\n", p.phase, detail, d)
		return
	}
	fmt.Fprintf(p.w, "vigil: %-8s %s (%s)\n", p.phase, detail, d)
}
