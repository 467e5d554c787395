-- +goose Up
-- A finding belongs to the scope of the scan that last saw it (project, job,
-- ref and report kind): a later complete report of that scope resolves what
-- it no longer lists. Rows from before take their asset as their scope, the
-- rule they were recorded under.
ALTER TABLE vigil_findings ADD COLUMN scope TEXT NOT NULL DEFAULT '';
UPDATE vigil_findings SET scope = 'asset:' || asset;
CREATE INDEX vigil_findings_scope ON vigil_findings (project_id, scope, status);

-- Every ingest outcome, skipped ones included, says which job and ref it was
-- and why it was not recorded.
ALTER TABLE vigil_ingests ADD COLUMN job_name TEXT NOT NULL DEFAULT '';
ALTER TABLE vigil_ingests ADD COLUMN ref TEXT NOT NULL DEFAULT '';
ALTER TABLE vigil_ingests ADD COLUMN reason TEXT NOT NULL DEFAULT '';
CREATE INDEX vigil_ingests_project ON vigil_ingests (project_id, at);

-- Nothing reads which fingerprints an ingest saw: resolution works from the
-- findings' scope.
DROP TABLE vigil_ingest_seen;
