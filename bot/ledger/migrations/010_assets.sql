-- +goose Up
-- The asset inventory (issue 16). One row per digest per registry source
-- (repository → digest → tags), one per running container per cluster
-- source (where the digest runs). first_seen/last_seen are the inventory
-- runs that first and last saw the row: an image whose last_seen is older
-- than its source's last successful run is gone from its registry.
CREATE TABLE vigil_asset_images (
    source         TEXT NOT NULL,
    repository     TEXT NOT NULL,
    digest         TEXT NOT NULL,
    tags           TEXT NOT NULL DEFAULT '',
    media_type     TEXT NOT NULL DEFAULT '',
    platform       TEXT NOT NULL DEFAULT '',
    pushed_at      TEXT NOT NULL DEFAULT '',
    last_pulled_at TEXT NOT NULL DEFAULT '',
    owner          TEXT NOT NULL DEFAULT '',
    tier           TEXT NOT NULL DEFAULT '',
    first_seen     TEXT NOT NULL,
    last_seen      TEXT NOT NULL,
    PRIMARY KEY (source, repository, digest)
);
CREATE INDEX vigil_asset_images_digest ON vigil_asset_images (digest);

CREATE TABLE vigil_asset_running (
    source     TEXT NOT NULL,
    cluster    TEXT NOT NULL,
    namespace  TEXT NOT NULL,
    pod        TEXT NOT NULL,
    container  TEXT NOT NULL,
    workload   TEXT NOT NULL DEFAULT '',
    init       INTEGER NOT NULL DEFAULT 0,
    image      TEXT NOT NULL DEFAULT '',
    repository TEXT NOT NULL DEFAULT '',
    digest     TEXT NOT NULL DEFAULT '',
    platform   TEXT NOT NULL DEFAULT '',
    since      TEXT NOT NULL DEFAULT '',
    owner      TEXT NOT NULL DEFAULT '',
    tier       TEXT NOT NULL DEFAULT '',
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    PRIMARY KEY (source, namespace, pod, container)
);
CREATE INDEX vigil_asset_running_digest ON vigil_asset_running (digest);

-- The last successful listing of each source, and the last error.
CREATE TABLE vigil_asset_sources (
    source      TEXT PRIMARY KEY,
    type        TEXT NOT NULL,
    last_listed TEXT NOT NULL DEFAULT '',
    last_error  TEXT NOT NULL DEFAULT '',
    last_try    TEXT NOT NULL
);
