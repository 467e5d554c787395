package ledger

import (
	"context"
)

// RetiredBy is what a finding of a retired asset is resolved by: the
// closing note reads "No longer detected by …".
const RetiredBy = "the inventory: the image is gone from its registries and runs nowhere (asset retired)"

// RetiredFindings are the open findings of digests the inventory retired:
// known to a registry source once, gone from every registry that listed
// them since, and running nowhere. A digest the inventory never saw (known
// from CI only) is never retired: not seeing it says nothing.
func (a Assets) RetiredFindings(ctx context.Context) ([]Finding, error) {
	candidates, err := column[string](ctx, a.l.db, "find retired assets", a.l.rebind(`SELECT DISTINCT f.digest FROM vigil_findings f
		WHERE f.status = ? AND f.digest <> ''
		AND EXISTS (SELECT 1 FROM vigil_asset_images i WHERE i.digest = f.digest)
		AND NOT EXISTS (SELECT 1 FROM vigil_asset_running r WHERE r.digest = f.digest)`), FindingOpen)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, d := range candidates {
		images, err := a.Images(ctx, d)
		if err != nil {
			return nil, err
		}
		if !allGone(images) {
			continue
		}
		fs, err := a.l.queryFindings(ctx, a.l.db, `WHERE digest = ? AND status = ? ORDER BY fingerprint`, d, FindingOpen)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	return out, nil
}

func allGone(images []StoredImage) bool {
	for _, im := range images {
		if !im.Gone {
			return false
		}
	}
	return len(images) > 0
}
