package budget

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestBudgetEndsUnlessExtended(t *testing.T) {
	ctx, cancel := With(context.Background(), 30*time.Millisecond)
	defer cancel()
	<-ctx.Done()
	if !errors.Is(context.Cause(ctx), ErrExhausted) {
		t.Errorf("cause %v", context.Cause(ctx))
	}
}

func TestExtendPostponesUpToTheCeiling(t *testing.T) {
	parent, stop := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer stop()
	ctx, cancel := With(parent, 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	Extend(ctx, time.Hour) // capped at the parent's deadline
	Extend(ctx, time.Millisecond)
	<-ctx.Done()
	if took := time.Since(start); took < 120*time.Millisecond || took > time.Second {
		t.Errorf("ended after %v, want the 150ms ceiling", took)
	}
	if errors.Is(context.Cause(ctx), ErrExhausted) {
		t.Error("ended by the budget, not the ceiling")
	}
}

func TestExtendWithoutBudget(t *testing.T) {
	Extend(context.Background(), time.Second) // no budget: nothing to do, no panic
}
