package queue

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// CatalogArgs is one inventoried image whose SBOM monitoring lacks (or holds
// from other catalogers): pull and catalog it, then store and match it.
type CatalogArgs struct {
	Repository string `json:"repository"` // host/path
	Digest     string `json:"digest"`
	Owner      string `json:"owner"` // the GitLab project its issues go to
}

// Kind names the job in River's table.
func (CatalogArgs) Kind() string { return "vigil_monitor_catalog" }

// EnqueueCatalog adds one job per image. An image whose job is still
// waiting, running or retrying from an earlier inventory is not added
// again (River's unique jobs, by arguments), so inventories never stack
// work.
func (q *Queue) EnqueueCatalog(ctx context.Context, images []CatalogArgs) error {
	if len(images) == 0 {
		return nil
	}
	unique := &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled,
	}}} // not completed ones: an image cataloged again later (new catalogers) is a new job
	params := make([]river.InsertManyParams, len(images))
	for i, a := range images {
		params[i] = river.InsertManyParams{Args: a, InsertOpts: unique}
	}
	if _, err := q.client.InsertMany(ctx, params); err != nil {
		return fmt.Errorf("enqueue %d images to catalog: %w", len(images), err)
	}
	return nil
}
