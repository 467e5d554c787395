-- +goose Up
-- The scheduled read-outs the bot posted, one row per period (its start
-- date, e.g. 2026-11-01), so a restarted bot or another replica never posts
-- a period twice and each issue can link the one before it.
CREATE TABLE vigil_readouts (
    period      TEXT PRIMARY KEY,
    project_id  BIGINT NOT NULL,
    issue_iid   BIGINT NOT NULL,
    web_url     TEXT NOT NULL,
    posted_at   TEXT NOT NULL
);
