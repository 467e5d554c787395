package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
)

// Lock namespaces: the first key of pg_advisory_lock(int, int), so vigil's
// locks never meet another application's (River's own take one bigint key).
const (
	NamespaceMigrate int32 = 0x76670001 // schema migrations
	NamespaceProject int32 = 0x76670002 // one project's work
	NamespaceAlive   int32 = 0x76670003 // held by each running replica's queue
)

// Lock takes the session advisory lock (ns, key) on a connection of its
// own, waiting for whoever holds it, and returns its release. The lock goes
// with the session: a process that dies releases it with its connection.
func Lock(ctx context.Context, db *sql.DB, ns, key int32) (func(), error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("take advisory lock: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1, $2)`, ns, key); err != nil {
		discard(conn)
		return nil, fmt.Errorf("take advisory lock: %w", err)
	}
	return func() {
		if _, err := conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1, $2)`, ns, key); err != nil {
			discard(conn) // closing the session releases the lock
			return
		}
		conn.Close()
	}, nil
}

// discard closes the session under conn instead of returning it to the pool.
func discard(conn *sql.Conn) {
	conn.Raw(func(any) error { return driver.ErrBadConn })
	conn.Close()
}

// TryLock takes the session advisory lock (ns, key) if no session holds
// it, without waiting; ok is false when another session holds it.
func TryLock(ctx context.Context, db *sql.DB, ns, key int32) (release func(), ok bool, err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("try advisory lock: %w", err)
	}
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1, $2)`, ns, key).Scan(&ok); err != nil {
		discard(conn)
		return nil, false, fmt.Errorf("try advisory lock: %w", err)
	}
	if !ok {
		conn.Close()
		return nil, false, nil
	}
	return func() {
		if _, err := conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1, $2)`, ns, key); err != nil {
			discard(conn)
			return
		}
		conn.Close()
	}, true, nil
}
