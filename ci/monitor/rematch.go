package monitor

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/anchore/grype/grype/vulnerability"
	"github.com/anchore/syft/syft/sbom"

	"gitlab.com/vigil-vm/vigil/ci/match"
	"gitlab.com/vigil-vm/vigil/ci/vulndb"
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
	return m.MatchEach(ctx, len(packed), func(i int) ([]byte, error) { return packed[i], nil }, fn)
}

// MatchEach is Match over n packed SBOMs that load reads when a worker
// takes one, so that only the SBOMs being matched are in memory.
func (m *Matcher) MatchEach(ctx context.Context, n int, load func(int) ([]byte, error), fn func(Outcome) error) error {
	g, ctx := errgroup.WithContext(ctx)
	next := make(chan int)
	out := make(chan Outcome)
	g.Go(func() error {
		defer close(next)
		for i := range n {
			select {
			case next <- i:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	var workers sync.WaitGroup
	for range min(m.workers, max(n, 1)) {
		workers.Add(1)
		g.Go(func() error {
			defer workers.Done()
			w := m.worker()
			for i := range next {
				o, err := w.load(ctx, i, load)
				if err != nil {
					return err
				}
				select {
				case out <- o:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return nil
		})
	}
	go func() { workers.Wait(); close(out) }()
	g.Go(func() error {
		var err error
		for o := range out {
			if err == nil {
				err = fn(o)
			}
		}
		return err
	})
	return g.Wait()
}

// worker is one goroutine's matcher: its own recorder around the shared
// provider, so each match's keys are its own.
type worker struct {
	rec *recorder
	m   *match.Matcher
}

func (m *Matcher) worker() *worker {
	rec := &recorder{Wrapped: vulndb.Wrapped{Provider: m.vp}}
	return &worker{rec: rec, m: match.New(rec)}
}

func (w *worker) load(ctx context.Context, i int, load func(int) ([]byte, error)) (Outcome, error) {
	packed, err := load(i)
	if err != nil {
		return Outcome{}, fmt.Errorf("stored SBOM %d: %w", i, err)
	}
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

// MatchSBOM matches one decoded SBOM (a document as a scan job wrote it,
// read with ci/sbom) and returns its outcome with Index 0.
func (m *Matcher) MatchSBOM(ctx context.Context, s *sbom.SBOM) (Outcome, error) {
	w := m.worker()
	w.rec.reset()
	res, err := w.m.Match(ctx, s, &s.Source)
	if err != nil {
		return Outcome{}, err
	}
	return Outcome{Result: res, Keys: w.rec.take()}, nil
}
