-- Read-out checkpoints (issue 18): the counting state of the read-outs at a
-- time (a month start), so a read-out reads only the history after the last
-- checkpoint at or before its period instead of all of it. version is the
-- counter's format (a read-out uses only its own); events is how many events
-- were before at when the checkpoint was saved, so one that a late event
-- (an earlier at, written afterwards) has made wrong is seen and not used.
-- state is the encoded state, zstd then base64 (TEXT on both databases).
CREATE TABLE vigil_readout_checkpoints (
    version  INTEGER NOT NULL,
    at       TEXT NOT NULL,
    events   BIGINT NOT NULL,
    state    TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    PRIMARY KEY (version, at)
);
