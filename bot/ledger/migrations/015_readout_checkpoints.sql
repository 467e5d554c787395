-- +goose Up
-- Read-out checkpoints (issue 18), at month starts, so a read-out reads
-- little of the history: state is the counting state at at (what every
-- event before it adds up to); segment is what the month ending at at
-- added to a read-out's period (its detections, resolutions and merge
-- requests); either may be empty. version is the counter's format (a
-- read-out uses only its own); events is how many events were before at
-- when the row was saved, so one that a late event (an earlier at, written
-- afterwards) has made wrong is seen and not used. state and segment are
-- encoded, zstd then base64 (TEXT on both databases).
CREATE TABLE vigil_readout_checkpoints (
    version  INTEGER NOT NULL,
    at       TEXT NOT NULL,
    events   BIGINT NOT NULL,
    state    TEXT NOT NULL DEFAULT '',
    segment  TEXT NOT NULL DEFAULT '',
    saved_at TEXT NOT NULL,
    PRIMARY KEY (version, at)
);
