package gitlab

import (
	"context"
	"sync"

	gl "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/inventory"
	"gitlab.com/vigil-vm/vigil/bot/inventory/internal/resolve"
)

// addPushTimes sets each asset's PushedAt from GitLab's tag details
// (created_at), one request per digest through lim: GitLab's list of tags
// carries no times. A time is taken only when the details name the digest
// the tag was resolved to (the tag did not move in between); a failed
// request leaves the time unknown rather than failing the source.
func (s *Source) addPushTimes(ctx context.Context, repo *gl.RegistryRepository, assets []inventory.Asset, lim resolve.Limit) {
	var wg sync.WaitGroup
	for i := range assets {
		a := &assets[i]
		if len(a.Tags) == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			lim.Do(func() {
				tag, _, err := s.cfg.Client.ContainerRegistry.GetRegistryRepositoryTagDetail(repo.ProjectID, repo.ID, a.Tags[0], gl.WithContext(ctx))
				if err != nil || tag.CreatedAt == nil || tag.CreatedAt.IsZero() || tag.Digest != a.Digest {
					return
				}
				at := tag.CreatedAt.UTC()
				a.PushedAt = &at
			})
		}()
	}
	wg.Wait()
}
