-- pipeline_run_relabel.n: how many times a run of the pipeline that had ended without success (FAILED, TIMED_OUT,
-- ABORTED) changed what the metric graph shows of it (status, name, public id, start, number, pipeline) — a
-- redrive, mostly. The series statement returns it on its `pipeline` row, so an instance knows whether the
-- failed runs' labels it remembers (lib/pipelines/run-labels.ts) still hold, whichever instance or writer changed
-- them: the trigger bumps it in the transaction of the change, so a label read after a series statement that saw
-- n is as new as n, and a change committed since makes the next statement see n + 1.
-- Runs that succeeded need no counter (AWS never redrives them), new runs neither (an id not remembered is read),
-- and deleted ones are not referred to by any later answer.

CREATE TABLE "pipeline_run_relabel" (
    "pipeline_id" INTEGER NOT NULL,
    "n" BIGINT NOT NULL,

    CONSTRAINT "pipeline_run_relabel_pkey" PRIMARY KEY ("pipeline_id")
);

ALTER TABLE "pipeline_run_relabel" ADD CONSTRAINT "pipeline_run_relabel_pipeline_id_fkey" FOREIGN KEY ("pipeline_id")
  REFERENCES "pipeline"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Statement trigger, one row per pipeline in pipeline order, each under the pipeline's rollup lock (which the
-- failed-run rollup trigger takes for the same changes, and before this one: triggers fire in name order), so
-- the counter's row lock adds no new wait and no new lock order. Updates that leave the graph's part of a failed
-- run alone (the sync's history and bookkeeping columns) cost one empty join of the transition tables.
CREATE FUNCTION stepwise_run_relabelled() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  p integer;
BEGIN
  FOR p IN
    SELECT DISTINCT o.pipeline_id
      FROM old_rows o JOIN new_rows n ON n.id = o.id
     WHERE o.status IN ('FAILED', 'TIMED_OUT', 'ABORTED')
       AND (o.status, o.name, o.public_id, o.started_at, o.run_number, o.pipeline_id)
           IS DISTINCT FROM (n.status, n.name, n.public_id, n.started_at, n.run_number, n.pipeline_id)
     ORDER BY 1
  LOOP
    PERFORM pg_advisory_xact_lock(hashtextextended('stepwise:rollup', p));
    INSERT INTO pipeline_run_relabel AS c (pipeline_id, n) VALUES (p, 1)
      ON CONFLICT (pipeline_id) DO UPDATE SET n = c.n + 1;
  END LOOP;
  RETURN NULL;
END $$;

CREATE TRIGGER run_relabelled AFTER UPDATE ON "run" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION stepwise_run_relabelled();
