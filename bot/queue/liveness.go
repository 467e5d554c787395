package queue

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/postgres"
)

// recoverEvery is how often a replica looks for jobs of replicas that died.
const recoverEvery = 10 * time.Second

// aliveKey is the advisory lock a River client holds while it runs: one
// that can be taken means its holder is gone. Two ids sharing a key only
// delay each other's recovery to River's rescuer.
func aliveKey(clientID string) int32 {
	h := fnv.New32a()
	h.Write([]byte(clientID))
	return int32(h.Sum32())
}

// startLiveness takes this replica's liveness lock and, until ctx ends,
// makes the running jobs of replicas that died available again: at once
// and every recoverEvery, instead of waiting for River's rescuer, which
// cannot tell a dead replica's job from a long one before JobTimeout.
func (q *Queue) startLiveness(ctx context.Context) error {
	release, err := postgres.Lock(ctx, q.db, postgres.NamespaceAlive, aliveKey(q.client.ID()))
	if err != nil {
		return fmt.Errorf("announce this replica: %w", err)
	}
	ctx, q.stopLiveness = context.WithCancel(ctx)
	q.livenessDone = make(chan struct{})
	go func() {
		defer close(q.livenessDone)
		defer func() { release() }()
		t := time.NewTicker(recoverEvery)
		defer t.Stop()
		for {
			release = q.keepAlive(ctx, release)
			if n, err := q.recoverDead(ctx); err != nil && ctx.Err() == nil {
				q.log.Warn("recover jobs of replicas that died", "err", err)
			} else if n > 0 {
				q.log.Info("jobs of a replica that died made available again", "jobs", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return nil
}

// keepAlive takes the liveness lock again if this replica's session lost
// it (a dropped connection), lest the others take its jobs for a dead
// replica's; it returns the release of the lock now held.
func (q *Queue) keepAlive(ctx context.Context, release func()) func() {
	again, lost, err := postgres.TryLock(ctx, q.db, postgres.NamespaceAlive, aliveKey(q.client.ID()))
	if err != nil || !lost {
		return release
	}
	q.log.Warn("this replica's liveness lock was lost with its connection; taken again")
	release()
	return again
}

// recoverDead makes available the running jobs whose last worker holds no
// liveness lock, and returns how many.
func (q *Queue) recoverDead(ctx context.Context) (int64, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT DISTINCT attempted_by[array_length(attempted_by, 1)] FROM river_job
		WHERE state = 'running' AND attempted_by IS NOT NULL`)
	if err != nil {
		return 0, err
	}
	var owners []string
	for rows.Next() {
		var id sql.NullString
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		if id.Valid && id.String != q.client.ID() {
			owners = append(owners, id.String)
		}
	}
	rows.Close()
	var total int64
	for _, id := range owners {
		dead, err := q.dead(ctx, id)
		if err != nil {
			return total, err
		}
		if !dead {
			continue
		}
		res, err := q.db.ExecContext(ctx, `UPDATE river_job SET state = 'available', scheduled_at = now()
			WHERE state = 'running' AND attempted_by[array_length(attempted_by, 1)] = $1`, id)
		if err != nil {
			return total, err
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}

// dead reports whether no session holds the liveness lock of client id.
func (q *Queue) dead(ctx context.Context, id string) (bool, error) {
	release, free, err := postgres.TryLock(ctx, q.db, postgres.NamespaceAlive, aliveKey(id))
	if free {
		release()
	}
	return free, err
}
