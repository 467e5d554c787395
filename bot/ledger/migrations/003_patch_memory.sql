-- +goose Up
-- What the patch engine must not forget across restarts: merge requests
-- people declined (kind 'declined', key: branch) and notes already posted
-- on tracking issues (kind 'said', key: issue iid and note id).
CREATE TABLE vigil_patch_memory (
    project TEXT NOT NULL,
    kind    TEXT NOT NULL,
    item    TEXT NOT NULL,
    PRIMARY KEY (project, kind, item)
);
