-- +goose Up
-- Continuous monitoring (issue 17). One stored SBOM per image digest, as the
-- scan job's SBOM artifact gave it: compressed (zstd, then base64, so the
-- column is TEXT on SQLite and PostgreSQL alike), with the tools that made
-- it, the project whose scan produced it, and what its last match against
-- a DB build asked the DB (match_keys, one key a line): the index that
-- decides which SBOMs a new build must match again.
CREATE TABLE vigil_sboms (
    digest        TEXT PRIMARY KEY,
    repository    TEXT NOT NULL,
    project_id    BIGINT NOT NULL,
    project_path  TEXT NOT NULL,
    artifact      TEXT NOT NULL DEFAULT '',
    syft_version  TEXT NOT NULL DEFAULT '',
    vigil_version TEXT NOT NULL DEFAULT '',
    data          TEXT NOT NULL,
    match_keys    TEXT NOT NULL DEFAULT '',
    matched_build TEXT NOT NULL DEFAULT '',
    stored_at     TEXT NOT NULL
);

-- Every DB build the monitor has seen; the current one is what the stored
-- SBOMs are matched against.
CREATE TABLE vigil_db_builds (
    checksum   TEXT PRIMARY KEY,
    built      TEXT NOT NULL,
    schema_ver TEXT NOT NULL,
    dir        TEXT NOT NULL DEFAULT '',
    seen_at    TEXT NOT NULL,
    current    INTEGER NOT NULL DEFAULT 0
);
