-- +goose Up
-- Portable SQL: text keys, RFC 3339 text times, integer flags; runs on SQLite and Postgres.
CREATE TABLE vigil_deliveries (
    dedup_key    TEXT PRIMARY KEY,
    event        TEXT NOT NULL,
    body         TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    status       TEXT NOT NULL,
    error        TEXT NOT NULL DEFAULT '',
    processed_at TEXT NOT NULL DEFAULT ''
);

CREATE TABLE vigil_projects (
    project_id BIGINT PRIMARY KEY,
    path       TEXT NOT NULL
);

CREATE TABLE vigil_ingests (
    ingest_key  TEXT PRIMARY KEY,
    project_id  BIGINT NOT NULL,
    pipeline_id BIGINT NOT NULL,
    job_id      BIGINT NOT NULL,
    artifact    TEXT NOT NULL,
    asset       TEXT NOT NULL,
    digest      TEXT NOT NULL,
    findings    INTEGER NOT NULL,
    status      TEXT NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    at          TEXT NOT NULL
);

CREATE TABLE vigil_ingest_seen (
    ingest_key  TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    PRIMARY KEY (ingest_key, fingerprint)
);

CREATE TABLE vigil_findings (
    fingerprint     TEXT PRIMARY KEY,
    project_id      BIGINT NOT NULL,
    project_path    TEXT NOT NULL,
    asset           TEXT NOT NULL,
    digest          TEXT NOT NULL,
    package_type    TEXT NOT NULL,
    package_name    TEXT NOT NULL,
    package_version TEXT NOT NULL,
    vulnerability   TEXT NOT NULL,
    severity        INTEGER NOT NULL,
    first_seen      TEXT NOT NULL,
    last_seen       TEXT NOT NULL,
    fix_state       TEXT NOT NULL,
    fix_since       TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,
    resolved_by     TEXT NOT NULL DEFAULT '',
    group_key       TEXT NOT NULL,
    data            TEXT NOT NULL
);
CREATE INDEX vigil_findings_asset ON vigil_findings (project_id, asset, status);
CREATE INDEX vigil_findings_group ON vigil_findings (group_key);

CREATE TABLE vigil_issues (
    group_key          TEXT PRIMARY KEY,
    project_id         BIGINT NOT NULL,
    issue_iid          BIGINT NOT NULL DEFAULT 0,
    state              TEXT NOT NULL DEFAULT '',
    content_hash       TEXT NOT NULL DEFAULT '',
    clock_start        TEXT NOT NULL DEFAULT '',
    due_date           TEXT NOT NULL DEFAULT '',
    reminded_stage     INTEGER NOT NULL DEFAULT 0,
    deviation          INTEGER NOT NULL DEFAULT 0,
    exception          TEXT NOT NULL DEFAULT '',
    exception_reason   TEXT NOT NULL DEFAULT '',
    exception_expires  TEXT NOT NULL DEFAULT '',
    exception_by       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX vigil_issues_iid ON vigil_issues (project_id, issue_iid);

CREATE TABLE vigil_labels (
    project_id BIGINT NOT NULL,
    name       TEXT NOT NULL,
    PRIMARY KEY (project_id, name)
);
