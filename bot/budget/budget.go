package budget

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrExhausted is the cause of a context whose budget ran out.
var ErrExhausted = errors.New("job time budget exhausted")

type key struct{}

type budget struct {
	mu       sync.Mutex
	timer    *time.Timer
	deadline time.Time
	ceiling  time.Time // the parent's deadline; zero for none
	stopped  bool
}

// With returns a context cancelled, with cause ErrExhausted, once base has
// passed, unless Extend moves that later; the parent's deadline stays the
// ceiling. A small job thus fails fast when stuck while a large one gets
// the time its size needs.
func With(parent context.Context, base time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(parent)
	b := &budget{deadline: time.Now().Add(base)}
	if d, ok := parent.Deadline(); ok {
		b.ceiling = d
	}
	b.timer = time.AfterFunc(base, func() { cancel(ErrExhausted) })
	ctx = context.WithValue(ctx, key{}, b)
	return ctx, func() {
		b.mu.Lock()
		b.stopped = true
		b.timer.Stop()
		b.mu.Unlock()
		cancel(context.Canceled)
	}
}

// Extend asks for d more from now for work just found (a report of many
// findings, many issues to write). It never shortens the budget and never
// goes past the ceiling; without a budget in ctx it does nothing.
func Extend(ctx context.Context, d time.Duration) {
	b, ok := ctx.Value(key{}).(*budget)
	if !ok {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	want := time.Now().Add(d)
	capped := !b.ceiling.IsZero() && !want.Before(b.ceiling)
	if capped {
		want = b.ceiling
	}
	if b.stopped || !want.After(b.deadline) {
		return
	}
	if b.timer.Stop() { // not fired yet: move it
		b.deadline = want
		if !capped { // at the ceiling the parent's deadline ends the work, with its own cause
			b.timer.Reset(time.Until(want))
		}
	}
}
