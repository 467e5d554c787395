package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"gitlab.com/vigil-vm/vigil/bot/inventory"
)

// Assets is the inventory kept in the ledger.
type Assets struct{ l *Ledger }

// Assets returns the ledger's asset store.
func (l *Ledger) Assets() Assets { return Assets{l} }

// RecordStats says what one inventory run changed.
type RecordStats struct {
	Images, Running int // rows written
	Stopped         int // running rows of a listed source that no longer run
}

// Record stores one inventory run in one transaction: every asset is
// upserted (first_seen kept, last_seen now), and for every source listed
// without error the containers it no longer reports are removed, since
// they stopped. A source that failed changes nothing of what it held: an
// unreachable cluster is not a cluster where nothing runs.
func (a Assets) Record(ctx context.Context, r inventory.Report, now time.Time) (RecordStats, error) {
	var st RecordStats
	err := a.l.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		st, err = a.RecordTx(ctx, tx, r, now)
		return err
	})
	return st, err
}

// RecordTx is Record inside the caller's transaction.
func (a Assets) RecordTx(ctx context.Context, q Querier, r inventory.Report, now time.Time) (RecordStats, error) {
	var st RecordStats
	at := formatTime(now)
	for _, as := range r.Assets {
		var err error
		if as.Kind == inventory.KindCluster {
			err = a.putRunning(ctx, q, as, at)
			st.Running++
		} else {
			err = a.putImage(ctx, q, as, at)
			st.Images++
		}
		if err != nil {
			return st, err
		}
	}
	for _, s := range r.Sources {
		n, err := a.putSource(ctx, q, s, at)
		if err != nil {
			return st, err
		}
		st.Stopped += n
	}
	return st, nil
}

func (a Assets) putImage(ctx context.Context, q Querier, as inventory.Asset, at string) error {
	_, err := q.ExecContext(ctx, a.l.rebind(`INSERT INTO vigil_asset_images
		(source, repository, digest, tags, media_type, platform, pushed_at, last_pulled_at, owner, tier, first_seen, last_seen)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (source, repository, digest) DO UPDATE SET tags = excluded.tags, media_type = excluded.media_type,
		platform = excluded.platform, pushed_at = excluded.pushed_at, last_pulled_at = excluded.last_pulled_at,
		owner = excluded.owner, tier = excluded.tier, last_seen = excluded.last_seen`),
		as.Source, as.Repository, as.Digest, strings.Join(as.Tags, ","), as.MediaType, as.Platform,
		optTime(as.PushedAt), optTime(as.LastPulledAt), as.Owner, as.Tier, at, at)
	if err != nil {
		return fmt.Errorf("record image %s@%s: %w", as.Repository, as.Digest, err)
	}
	return nil
}

func (a Assets) putRunning(ctx context.Context, q Querier, as inventory.Asset, at string) error {
	r := as.Running
	_, err := q.ExecContext(ctx, a.l.rebind(`INSERT INTO vigil_asset_running
		(source, cluster, namespace, pod, container, workload, init, image, repository, digest, platform, since, owner, tier, first_seen, last_seen)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (source, namespace, pod, container) DO UPDATE SET cluster = excluded.cluster, workload = excluded.workload,
		init = excluded.init, image = excluded.image, repository = excluded.repository, digest = excluded.digest,
		platform = excluded.platform, since = excluded.since, owner = excluded.owner, tier = excluded.tier, last_seen = excluded.last_seen`),
		as.Source, r.Cluster, r.Namespace, r.Pod, r.Container, r.Workload, boolInt(r.Init), r.Image, as.Repository, as.Digest,
		as.Platform, optTime(r.Since), as.Owner, as.Tier, at, at)
	if err != nil {
		return fmt.Errorf("record container %s: %w", r.Where(), err)
	}
	return nil
}

// putSource records the source's outcome and, when it was listed, drops
// the containers it did not report this time.
func (a Assets) putSource(ctx context.Context, q Querier, s inventory.SourceStatus, at string) (int, error) {
	listed := ""
	if s.Error == "" {
		listed = at
	}
	_, err := q.ExecContext(ctx, a.l.rebind(`INSERT INTO vigil_asset_sources (source, type, last_listed, last_error, last_try)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (source) DO UPDATE SET type = excluded.type, last_error = excluded.last_error,
		last_try = excluded.last_try, last_listed = CASE WHEN excluded.last_listed = '' THEN vigil_asset_sources.last_listed ELSE excluded.last_listed END`),
		s.Source, s.Type, listed, s.Error, at)
	if err != nil {
		return 0, fmt.Errorf("record source %s: %w", s.Source, err)
	}
	if s.Error != "" {
		return 0, nil
	}
	res, err := q.ExecContext(ctx, a.l.rebind(`DELETE FROM vigil_asset_running WHERE source = ? AND last_seen <> ?`), s.Source, at)
	if err != nil {
		return 0, fmt.Errorf("drop stopped containers of %s: %w", s.Source, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

func optTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return formatTime(*t)
}
