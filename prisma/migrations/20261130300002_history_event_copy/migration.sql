-- History ingest at 100k+ events/s (issue #17): the foreign key history_event → run made Postgres look the
-- run up (and lock it FOR KEY SHARE) once per inserted event, about 60 % of the cost of a bulk insert.
-- Events are only ever written by the sync in the transaction that upserts their run (lib/sync/runs.ts), so the
-- reference cannot dangle on insert; what the key still did — delete a run's events with the run — is done by a
-- statement trigger, once per deleting statement.
ALTER TABLE "history_event" DROP CONSTRAINT "history_event_run_id_fkey";

CREATE FUNCTION stepwise_run_deleted_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM history_event h USING old_rows o WHERE h.run_id = o.id;
  RETURN NULL;
END $$;

CREATE TRIGGER run_delete_history AFTER DELETE ON "run" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stepwise_run_deleted_events();
