-- +goose Up
-- The coverage-gap issue of each owner project (issue 16): one issue per
-- project listing the images the inventory found that no scan covers.
-- content_hash is the digest of the description last written (an unchanged
-- list costs no write); gaps is that list as JSON text, so that a source
-- that fails to list keeps its gaps instead of closing them.
CREATE TABLE vigil_coverage_issues (
    project_id   BIGINT PRIMARY KEY,
    owner        TEXT NOT NULL,
    issue_iid    BIGINT NOT NULL DEFAULT 0,
    state        TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL DEFAULT '',
    gaps         TEXT NOT NULL DEFAULT '[]',
    updated_at   TEXT NOT NULL
);
CREATE INDEX vigil_coverage_issues_owner ON vigil_coverage_issues (owner);
