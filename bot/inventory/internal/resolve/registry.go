package resolve

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"gitlab.com/vigil-vm/vigil/bot/inventory"
)

// Registry lists repos of reg, or its catalog when repos is empty, and
// resolves every tag. A repository that fails is in the error and the
// others are still listed.
func Registry(ctx context.Context, reg name.Registry, repos []string, lim Limit, opts ...remote.Option) ([]inventory.Asset, error) {
	opts = append(opts, remote.WithContext(ctx))
	if len(repos) == 0 {
		var err error
		lim.Do(func() { repos, err = remote.Catalog(ctx, reg, opts...) })
		if err != nil {
			return nil, fmt.Errorf("catalog of %s: %w", reg, err)
		}
	}
	got := make([][]inventory.Asset, len(repos))
	errs := make([]error, len(repos))
	var wg sync.WaitGroup
	for i, r := range repos {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = repository(ctx, reg.Repo(r), lim, opts)
		}()
	}
	wg.Wait()
	return slices.Concat(got...), errors.Join(errs...)
}

func repository(ctx context.Context, repo name.Repository, lim Limit, opts []remote.Option) ([]inventory.Asset, error) {
	var tags []string
	var err error
	lim.Do(func() { tags, err = remote.List(repo, opts...) })
	if err != nil {
		return nil, fmt.Errorf("tags of %s: %w", repo, err)
	}
	return Tags(ctx, repo, tags, lim, opts...)
}
