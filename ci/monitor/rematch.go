package monitor

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/anchore/grype/grype/vulnerability"
	syftpkg "github.com/anchore/syft/syft/pkg"
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
// in front of it are safe for concurrent use. So is the memo of package
// answers (match.Memo), which lives as long as the Matcher: keep one
// Matcher per build, so that a module version or a Debian package in
// thousands of SBOMs is matched once.
type Matcher struct {
	vp      vulnerability.Provider
	workers int
	memo    *match.Memo // nil: every package matched afresh (tests compare)
	unpack  *Unpacker
}

// MatcherOption configures a Matcher.
type MatcherOption func(*Matcher)

// WithUnpacker has the Matcher read stored SBOMs with u, which may serve
// Matchers of other builds too (what it remembers is the SBOMs' own);
// by default each Matcher has its own.
func WithUnpacker(u *Unpacker) MatcherOption { return func(m *Matcher) { m.unpack = u } }

// NewMatcher returns a Matcher over vp; workers <= 0 means one per CPU.
func NewMatcher(vp vulnerability.Provider, workers int, opts ...MatcherOption) *Matcher {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	m := &Matcher{vp: vp, workers: workers, memo: match.NewMemo(), unpack: NewUnpacker()}
	for _, o := range opts {
		o(m)
	}
	return m
}

// MemoHits counts the package answers the Matcher's memo gave (see
// match.Memo).
func (m *Matcher) MemoHits() int64 {
	if m.memo == nil {
		return 0
	}
	return m.memo.Hits()
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
	rec    *recorder
	m      *match.Matcher
	unpack func([]byte) (*sbom.SBOM, []syftpkg.Package, error) // an SBOM and its packages, sorted
}

// unpackSorted is Unpack with the SBOM's packages sorted apart.
func unpackSorted(packed []byte) (*sbom.SBOM, []syftpkg.Package, error) {
	s, err := Unpack(packed)
	if err != nil {
		return nil, nil, err
	}
	return s, s.Artifacts.Packages.Sorted(), nil
}

func (m *Matcher) worker() *worker {
	rec := &recorder{Wrapped: vulndb.Wrapped{Provider: m.vp}}
	var opts []match.Option
	if m.memo != nil {
		opts = append(opts, match.WithMemo(m.memo))
	}
	w := &worker{rec: rec, m: match.New(rec, opts...), unpack: unpackSorted}
	if m.unpack != nil {
		w.unpack = m.unpack.unpack
	}
	return w
}

func (w *worker) load(ctx context.Context, i int, load func(int) ([]byte, error)) (Outcome, error) {
	packed, err := load(i)
	if err != nil {
		return Outcome{}, fmt.Errorf("stored SBOM %d: %w", i, err)
	}
	s, sorted, err := w.unpack(packed)
	if err != nil {
		return Outcome{}, fmt.Errorf("stored SBOM %d: %w", i, err)
	}
	w.rec.reset()
	res, err := w.m.MatchPackages(ctx, s, sorted, &s.Source)
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
