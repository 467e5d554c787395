package inventory

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// List lists every source with at most workers at a time. A source that
// fails stops nothing else: its error is part of its Result. Results keep
// the order of sources.
func List(ctx context.Context, sources []Source, workers int) []Result {
	if workers < 1 {
		workers = 1
	}
	out := make([]Result, len(sources))
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for i, s := range sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i] = listOne(ctx, s)
		}()
	}
	wg.Wait()
	return out
}

// listOne turns a panic of one source into its error, so that a bug in one
// platform's client cannot take the inventory of the others with it.
func listOne(ctx context.Context, s Source) (r Result) {
	start := time.Now()
	r = Result{Source: s.Name(), Type: s.Type()}
	defer func() {
		if p := recover(); p != nil {
			r.Err = fmt.Errorf("list %s: panic: %v", s.Name(), p)
		}
		r.Took = time.Since(start)
	}()
	assets, err := s.List(ctx)
	for i := range assets {
		assets[i].Source = s.Name()
	}
	r.Assets = assets
	if err != nil {
		r.Err = fmt.Errorf("list %s: %w", s.Name(), err)
	}
	return r
}

// Assets flattens the results' assets in source order.
func Assets(results []Result) []Asset {
	var out []Asset
	for _, r := range results {
		out = append(out, r.Assets...)
	}
	return out
}
