package ledger

import (
	"context"
	"slices"
	"strings"
	"time"
)

// StoredRunning is a running container as the ledger holds it.
type StoredRunning struct {
	Source    string    `json:"source"`
	Cluster   string    `json:"cluster"`
	Namespace string    `json:"namespace"`
	Workload  string    `json:"workload,omitempty"`
	Pod       string    `json:"pod"`
	Container string    `json:"container"`
	Image     string    `json:"image"`
	Since     time.Time `json:"since,omitzero"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

// AssetView is everything the ledger knows of one digest: the registries
// that hold it, where it runs, its owners and tiers, its open findings.
type AssetView struct {
	Digest       string          `json:"digest"`
	Repositories []string        `json:"repositories"`
	Owners       []string        `json:"owners"`
	Tiers        []string        `json:"tiers"`
	Images       []StoredImage   `json:"images"`
	Running      []StoredRunning `json:"running"`
	OpenFindings int             `json:"open_findings"`
}

// AssetFilter selects asset views; empty fields select everything.
type AssetFilter struct {
	Owner, Tier, Cluster, Image, Digest string
	HasFindings                         *bool
}

// AssetViews lists the assets matching f, by digest.
func (a Assets) AssetViews(ctx context.Context, f AssetFilter) ([]AssetView, error) {
	images, err := a.Images(ctx, f.Digest)
	if err != nil {
		return nil, err
	}
	running, err := a.running(ctx, f.Digest)
	if err != nil {
		return nil, err
	}
	findings, err := a.openFindings(ctx)
	if err != nil {
		return nil, err
	}
	byDigest := map[string]*AssetView{}
	view := func(d string) *AssetView {
		if byDigest[d] == nil {
			byDigest[d] = &AssetView{Digest: d, Repositories: []string{}, Owners: []string{}, Tiers: []string{},
				Images: []StoredImage{}, Running: []StoredRunning{}, OpenFindings: findings[d]}
		}
		return byDigest[d]
	}
	for _, im := range images {
		v := view(im.Digest)
		v.Images = append(v.Images, im)
		v.add(im.Repository, im.Owner, im.Tier)
	}
	for _, r := range running {
		v := view(r.digest)
		v.Running = append(v.Running, r.StoredRunning)
		v.add(r.repository, r.owner, r.tier)
	}
	var out []AssetView
	for _, v := range byDigest {
		if f.matches(v) {
			out = append(out, *v)
		}
	}
	slices.SortFunc(out, func(x, y AssetView) int { return strings.Compare(x.Digest, y.Digest) })
	return out, nil
}

func (v *AssetView) add(repo, owner, tier string) {
	for _, p := range []struct {
		list *[]string
		val  string
	}{{&v.Repositories, repo}, {&v.Owners, owner}, {&v.Tiers, tier}} {
		if p.val != "" && !slices.Contains(*p.list, p.val) {
			*p.list = append(*p.list, p.val)
			slices.Sort(*p.list)
		}
	}
}

func (f AssetFilter) matches(v *AssetView) bool {
	if f.Owner != "" && !slices.Contains(v.Owners, f.Owner) || f.Tier != "" && !slices.Contains(v.Tiers, f.Tier) ||
		f.Image != "" && !slices.Contains(v.Repositories, f.Image) {
		return false
	}
	if f.Cluster != "" && !slices.ContainsFunc(v.Running, func(r StoredRunning) bool { return r.Cluster == f.Cluster }) {
		return false
	}
	return f.HasFindings == nil || *f.HasFindings == (v.OpenFindings > 0)
}

type runningRow struct {
	StoredRunning
	digest, repository, owner, tier string
}

func (a Assets) running(ctx context.Context, digest string) ([]runningRow, error) {
	var out []runningRow
	err := eachRow(ctx, a.l.db, "list running containers", a.l.rebind(`SELECT source, cluster, namespace, workload, pod, container, image, since,
		first_seen, last_seen, digest, repository, owner, tier FROM vigil_asset_running
		WHERE digest <> '' AND (? = '' OR digest = ?) ORDER BY cluster, namespace, pod, container`), []any{digest, digest}, func(scan func(...any) error) error {
		var r runningRow
		var since, first, last string
		if err := scan(&r.Source, &r.Cluster, &r.Namespace, &r.Workload, &r.Pod, &r.Container, &r.Image, &since,
			&first, &last, &r.digest, &r.repository, &r.owner, &r.tier); err != nil {
			return err
		}
		r.Since, r.FirstSeen, r.LastSeen = parseTime(since), parseTime(first), parseTime(last)
		out = append(out, r)
		return nil
	})
	return out, err
}

func (a Assets) openFindings(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	err := eachRow(ctx, a.l.db, "count open findings", a.l.rebind(`SELECT digest, COUNT(*) FROM vigil_findings WHERE status = ? GROUP BY digest`), []any{FindingOpen}, func(scan func(...any) error) error {
		var d string
		var n int
		if err := scan(&d, &n); err != nil {
			return err
		}
		out[d] = n
		return nil
	})
	return out, err
}
