package monitor

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/anchore/grype/grype/vulnerability"

	"gitlab.com/vigil-vm/vigil/ci/match"
)

// Outcome is what matching one stored SBOM against a build gave: the
// matches, and the keys (see keys.go) the SBOM is indexed under until its
// next match.
type Outcome struct {
	Index  int // position of the SBOM in the slice given to Match
	Result *match.Result
	Keys   []string
}

// Matcher matches stored SBOMs against one opened DB build, on several
// workers. The provider is shared: grype's store and vigil's search cache
// in front of it are safe for concurrent use.
type Matcher struct {
	vp      vulnerability.Provider
	workers int
}

// NewMatcher returns a Matcher over vp; workers <= 0 means one per CPU.
func NewMatcher(vp vulnerability.Provider, workers int) *Matcher {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return &Matcher{vp: vp, workers: workers}
}

// Match matches every packed SBOM (see Pack) and calls fn with each outcome,
// one call at a time, in no particular order. The first error, from a
// match or from fn, stops the work and is returned.
func (m *Matcher) Match(ctx context.Context, packed [][]byte, fn func(Outcome) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	out := make(chan Outcome)
	errc := make(chan error, m.workers+1)
	var wg sync.WaitGroup
	for range min(m.workers, max(len(packed), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := m.worker()
			for i := range next {
				o, err := w.match(ctx, i, packed[i])
				if err != nil {
					errc <- err
					cancel()
					return
				}
				select {
				case out <- o:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(next)
		for i := range packed {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(out) }()
	for o := range out {
		if err := fn(o); err != nil {
			errc <- err
			cancel()
			break
		}
	}
	for range out { // let the workers finish
	}
	select {
	case err := <-errc:
		return err
	default:
		return ctx.Err()
	}
}

// worker is one goroutine's matcher: its own recorder around the shared
// provider, so each match's keys are its own.
type worker struct {
	rec *recorder
	m   *match.Matcher
}

func (m *Matcher) worker() *worker {
	rec := &recorder{Provider: m.vp}
	return &worker{rec: rec, m: match.New(rec)}
}

func (w *worker) match(ctx context.Context, i int, packed []byte) (Outcome, error) {
	s, err := Unpack(packed)
	if err != nil {
		return Outcome{}, fmt.Errorf("stored SBOM %d: %w", i, err)
	}
	w.rec.reset()
	res, err := w.m.Match(ctx, s, &s.Source)
	if err != nil {
		return Outcome{}, fmt.Errorf("stored SBOM %d: %w", i, err)
	}
	return Outcome{Index: i, Result: res, Keys: w.rec.take()}, nil
}
