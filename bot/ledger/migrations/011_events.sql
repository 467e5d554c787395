-- +goose Up
-- The ledger's history (issue 18): one row per state change, written in
-- the transaction of the change itself. Ids are made by the application
-- (no sequence); times are RFC 3339 text with a fixed-width fraction, so
-- (at, id) is the history's order.
CREATE TABLE vigil_events (
    id           TEXT PRIMARY KEY,
    at           TEXT NOT NULL,
    kind         TEXT NOT NULL,
    fingerprint  TEXT NOT NULL DEFAULT '',
    group_key    TEXT NOT NULL DEFAULT '',
    project_id   BIGINT NOT NULL DEFAULT 0,
    project_path TEXT NOT NULL DEFAULT '',
    tier         TEXT NOT NULL DEFAULT '',
    severity     INTEGER NOT NULL DEFAULT 0,
    due_date     TEXT NOT NULL DEFAULT '',
    actor        TEXT NOT NULL DEFAULT '',
    detail       TEXT NOT NULL DEFAULT '',
    expires      TEXT NOT NULL DEFAULT '',
    mr_iid       BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX vigil_events_at ON vigil_events (at, id);
CREATE INDEX vigil_events_group ON vigil_events (group_key, at);

-- A starting history for ledgers kept before: every finding was detected at
-- its first sighting, and a resolved one was fixed no earlier than its last
-- sighting (the ledger kept no resolution time; the last sighting is the
-- closest bound it has). Due dates come from the issue rows.
INSERT INTO vigil_events (id, at, kind, fingerprint, group_key, project_id, project_path, severity, due_date, actor)
SELECT 'migrated:detected:' || f.fingerprint, f.first_seen, 'finding.detected', f.fingerprint, f.group_key,
       f.project_id, f.project_path, f.severity,
       COALESCE((SELECT i.due_date FROM vigil_issues i WHERE i.group_key = f.group_key), ''), 'migration'
FROM vigil_findings f;

INSERT INTO vigil_events (id, at, kind, fingerprint, group_key, project_id, project_path, severity, due_date, actor)
SELECT 'migrated:resolved:' || f.fingerprint, f.last_seen, 'finding.resolved', f.fingerprint, f.group_key,
       f.project_id, f.project_path, f.severity,
       COALESCE((SELECT i.due_date FROM vigil_issues i WHERE i.group_key = f.group_key), ''), 'migration'
FROM vigil_findings f WHERE f.status = 'resolved';

-- Exceptions in force: granted no later than the issue's SLA clock start
-- (the ledger kept no grant time).
INSERT INTO vigil_events (id, at, kind, group_key, project_id, due_date, actor, detail, expires)
SELECT 'migrated:exception:' || i.group_key, i.clock_start, 'exception.granted', i.group_key, i.project_id,
       i.due_date, i.exception_by, i.exception, i.exception_expires
FROM vigil_issues i WHERE i.exception <> '' AND i.clock_start <> '';
