package resolve

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"gitlab.com/vigil-vm/vigil/bot/inventory"
)

// Limit bounds the requests a source has in flight: every request takes a
// slot, whichever repository it is for.
type Limit chan struct{}

// NewLimit returns a Limit of n slots (at least one).
func NewLimit(n int) Limit { return make(Limit, max(n, 1)) }

// Do runs f in a slot.
func (l Limit) Do(f func()) {
	l <- struct{}{}
	defer func() { <-l }()
	f()
}

// Tags heads every tag of repo and returns one registry asset per digest,
// with all the tags that point at it. A tag that cannot be resolved is
// skipped and counted in the error, so one broken tag costs only itself.
func Tags(ctx context.Context, repo name.Repository, tags []string, lim Limit, opts ...remote.Option) ([]inventory.Asset, error) {
	type head struct {
		tag, digest, mediaType string
		err                    error
	}
	heads := make([]head, len(tags))
	var wg sync.WaitGroup
	for i, tag := range tags {
		wg.Add(1)
		go func() {
			defer wg.Done()
			heads[i].tag = tag
			lim.Do(func() {
				d, err := remote.Head(repo.Tag(tag), append(opts, remote.WithContext(ctx))...)
				if err != nil {
					heads[i].err = err
					return
				}
				heads[i].digest, heads[i].mediaType = d.Digest.String(), string(d.MediaType)
			})
		}()
	}
	wg.Wait()
	byDigest := map[string]*inventory.Asset{}
	var failed []error
	for _, h := range heads {
		if h.err != nil {
			failed = append(failed, fmt.Errorf("head %s:%s: %w", repo, h.tag, h.err))
			continue
		}
		a := byDigest[h.digest]
		if a == nil {
			a = &inventory.Asset{Kind: inventory.KindRegistry, Repository: repo.Name(), Digest: h.digest, MediaType: h.mediaType}
			byDigest[h.digest] = a
		}
		a.Tags = append(a.Tags, h.tag)
	}
	out := make([]inventory.Asset, 0, len(byDigest))
	for _, a := range byDigest {
		sort.Strings(a.Tags)
		out = append(out, *a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Digest < out[j].Digest })
	if len(failed) > 0 {
		return out, fmt.Errorf("%d of %d tags of %s not resolved, first: %w", len(failed), len(tags), repo, failed[0])
	}
	return out, nil
}
