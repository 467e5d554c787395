package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"time"
)

// sample is one measured process run.
type sample struct {
	wall  time.Duration
	cpu   time.Duration // user + system
	rssKB int64         // peak resident set size
}

// command is a process to measure.
type command struct {
	args   []string
	env    []string // added to the environment
	stdout string   // file for stdout; discarded when empty
	before func() error
}

// measure runs c once under GNU time, which reads the peak RSS and CPU time
// from its own wait4. Reading rusage here instead would be wrong: Go starts
// children with vfork semantics, so the kernel carries this (large) process's
// RSS high-water mark into the child's maxrss across exec.
func measure(ctx context.Context, c command) (sample, error) {
	if c.before != nil {
		if err := c.before(); err != nil {
			return sample{}, err
		}
	}
	usage, err := os.CreateTemp("", "vigil-bench-time-")
	if err != nil {
		return sample{}, err
	}
	usage.Close()
	defer os.Remove(usage.Name())
	args := append([]string{"-f", "%M %U %S", "-o", usage.Name()}, c.args...)
	cmd := exec.CommandContext(ctx, "/usr/bin/time", args...)
	cmd.Env = append(os.Environ(), c.env...)
	var errBuf tailBuffer
	cmd.Stderr = &errBuf
	if c.stdout != "" {
		f, err := os.Create(c.stdout)
		if err != nil {
			return sample{}, err
		}
		defer f.Close()
		cmd.Stdout = f
	}
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return sample{}, fmt.Errorf("%s: %w\n%s", c.args[0], err, errBuf.b)
	}
	b, err := os.ReadFile(usage.Name())
	if err != nil {
		return sample{}, err
	}
	var rss int64
	var user, sys float64
	if _, err := fmt.Sscanf(string(b), "%d %f %f", &rss, &user, &sys); err != nil {
		return sample{}, fmt.Errorf("read /usr/bin/time output %q: %w", b, err)
	}
	return sample{wall: wall, cpu: time.Duration((user + sys) * float64(time.Second)), rssKB: rss}, nil
}

// tailBuffer keeps the last few KB a process wrote.
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 4096 {
		t.b = t.b[len(t.b)-4096:]
	}
	return len(p), nil
}

// medians of a series of samples, field by field.
func medians(s []sample) sample {
	pick := func(f func(sample) int64) int64 {
		v := make([]int64, len(s))
		for i, x := range s {
			v[i] = f(x)
		}
		slices.Sort(v)
		if len(v)%2 == 1 {
			return v[len(v)/2]
		}
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return sample{
		wall:  time.Duration(pick(func(x sample) int64 { return int64(x.wall) })),
		cpu:   time.Duration(pick(func(x sample) int64 { return int64(x.cpu) })),
		rssKB: pick(func(x sample) int64 { return x.rssKB }),
	}
}
