package inventory

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

type fakeSource struct {
	name   string
	assets []Asset
	err    error
	panics bool
	delay  time.Duration
	inUse  *atomic.Int32
	peak   *atomic.Int32
}

func (f fakeSource) Name() string { return f.name }
func (f fakeSource) Type() string { return "fake" }
func (f fakeSource) List(context.Context) ([]Asset, error) {
	if f.inUse != nil {
		n := f.inUse.Add(1)
		defer f.inUse.Add(-1)
		for p := f.peak.Load(); n > p && !f.peak.CompareAndSwap(p, n); p = f.peak.Load() {
		}
	}
	time.Sleep(f.delay)
	if f.panics {
		panic("client bug")
	}
	return f.assets, f.err
}

func TestListSourcesFailAlone(t *testing.T) {
	results := List(context.Background(), []Source{
		fakeSource{name: "ok", assets: []Asset{{Kind: KindRegistry, Digest: "sha256:1"}}},
		fakeSource{name: "down", err: errors.New("dial tcp: connection refused")},
		fakeSource{name: "buggy", panics: true},
		fakeSource{name: "partial", assets: []Asset{{Kind: KindRegistry, Digest: "sha256:2"}}, err: errors.New("1 of 2 repositories failed")},
	}, 2)
	if results[0].Err != nil || len(results[0].Assets) != 1 || results[0].Assets[0].Source != "ok" {
		t.Errorf("ok: %+v", results[0])
	}
	if results[1].Err == nil || !strings.Contains(results[1].Err.Error(), "list down: dial tcp") {
		t.Errorf("down: %v", results[1].Err)
	}
	if results[2].Err == nil || !strings.Contains(results[2].Err.Error(), "panic: client bug") {
		t.Errorf("a panicking source must become its own error: %v", results[2].Err)
	}
	if results[3].Err == nil || len(results[3].Assets) != 1 {
		t.Errorf("partial: keep what was listed and the error: %+v", results[3])
	}
	gaps := Gaps(results, Assets(results), nil, 0, time.Now())
	if len(gaps) != 3 {
		t.Errorf("want 3 source gaps, got %+v", gaps)
	}
}

func TestListBoundsConcurrency(t *testing.T) {
	var inUse, peak atomic.Int32
	var sources []Source
	for range 10 {
		sources = append(sources, fakeSource{name: "s", delay: 10 * time.Millisecond, inUse: &inUse, peak: &peak})
	}
	List(context.Background(), sources, 3)
	if p := peak.Load(); p > 3 || p < 2 {
		t.Errorf("peak concurrency %d, want at most 3 (and some)", p)
	}
}
