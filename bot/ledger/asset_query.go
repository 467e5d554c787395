package ledger

import (
	"context"
	"time"
)

// StoredImage is an image row as the ledger holds it.
type StoredImage struct {
	Source     string    `json:"source"`
	Repository string    `json:"repository"`
	Digest     string    `json:"digest"`
	Tags       string    `json:"tags"`
	Owner      string    `json:"owner"`
	Tier       string    `json:"tier"`
	FirstSeen  time.Time `json:"first_seen"`
	LastSeen   time.Time `json:"last_seen"`
	// Gone: its source was listed after the image was last seen.
	Gone bool `json:"gone"`
}

// Images lists the stored images of a digest ("" for all), oldest first.
func (a Assets) Images(ctx context.Context, digest string) ([]StoredImage, error) {
	var out []StoredImage
	err := eachRow(ctx, a.l.db, "list images", a.l.rebind(`SELECT i.source, i.repository, i.digest, i.tags, i.owner, i.tier,
		i.first_seen, i.last_seen, COALESCE(s.last_listed, '')
		FROM vigil_asset_images i LEFT JOIN vigil_asset_sources s ON s.source = i.source
		WHERE ? = '' OR i.digest = ? ORDER BY i.first_seen, i.source, i.repository, i.digest`), []any{digest, digest}, func(scan func(...any) error) error {
		var im StoredImage
		var first, last, listed string
		if err := scan(&im.Source, &im.Repository, &im.Digest, &im.Tags, &im.Owner, &im.Tier, &first, &last, &listed); err != nil {
			return err
		}
		im.FirstSeen, im.LastSeen = parseTime(first), parseTime(last)
		im.Gone = parseTime(listed).After(im.LastSeen)
		out = append(out, im)
		return nil
	})
	return out, err
}

// Where lists where a digest runs: cluster/namespace/workload/container.
func (a Assets) Where(ctx context.Context, digest string) ([]string, error) {
	var out []string
	err := eachRow(ctx, a.l.db, "where "+digest+" runs", a.l.rebind(`SELECT cluster, namespace, workload, pod, container
		FROM vigil_asset_running WHERE digest = ? ORDER BY cluster, namespace, workload, pod, container`), []any{digest}, func(scan func(...any) error) error {
		var c, ns, w, pod, ctr string
		if err := scan(&c, &ns, &w, &pod, &ctr); err != nil {
			return err
		}
		if w == "" {
			w = "Pod/" + pod
		}
		out = append(out, c+"/"+ns+"/"+w+"/"+ctr)
		return nil
	})
	return out, err
}

// ScannedDigests maps every digest a complete ingest (a scan the bot read)
// covered to its latest such ingest: what --gaps compares running digests
// against.
func (a Assets) ScannedDigests(ctx context.Context) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	err := eachRow(ctx, a.l.db, "scanned digests", a.l.rebind(`SELECT digest, at FROM vigil_ingests WHERE status = ? AND digest <> ''`), []any{IngestComplete}, func(scan func(...any) error) error {
		var d, at string
		if err := scan(&d, &at); err != nil {
			return err
		}
		if t := parseTime(at); t.After(out[d]) || out[d].IsZero() {
			out[d] = t
		}
		return nil
	})
	return out, err
}

// Tiers lists the tiers the inventory gave a digest, in its registries and
// where it runs.
func (a Assets) Tiers(ctx context.Context, digest string) ([]string, error) {
	return column[string](ctx, a.l.db, "tiers of "+digest, a.l.rebind(`SELECT tier FROM vigil_asset_images WHERE digest = ? AND tier <> ''
		UNION SELECT tier FROM vigil_asset_running WHERE digest = ? AND tier <> ''`), digest, digest)
}
