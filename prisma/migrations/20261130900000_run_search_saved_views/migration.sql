-- Search of runs by what they were given (issue 20) and saved views of a pipeline page.
--
-- run.input is JSON text exactly as AWS returns it (kept byte for byte); run.input_doc is the same input parsed
-- (null when it is not JSON) and run.hyper_parameters the run's training jobs' hyperparameters merged (a later
-- job's value wins). Both are kept by the triggers below, so the sync's bulk writes stay as they are, and both
-- carry a GIN jsonb_path_ops index: an equality term (`hp.learning_rate = 0.01`) is a containment probe.

-- ───────────────────────────── run.input_doc ─────────────────────────────

-- Parses JSON text, null when it is not JSON (an execution input is whatever the caller sent).
CREATE FUNCTION stepwise_try_jsonb(doc text) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  IF doc IS NULL OR doc = '' THEN
    RETURN NULL;
  END IF;
  RETURN doc::jsonb;
EXCEPTION WHEN others THEN
  RETURN NULL;
END $$;

ALTER TABLE "run" ADD COLUMN "input_doc" JSONB,
  ADD COLUMN "hyper_parameters" JSONB NOT NULL DEFAULT '{}';

UPDATE "run" SET "input_doc" = stepwise_try_jsonb("input") WHERE "input" IS NOT NULL;

CREATE FUNCTION stepwise_run_input_doc() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.input IS DISTINCT FROM OLD.input THEN
    NEW.input_doc := stepwise_try_jsonb(NEW.input);
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER run_input_doc BEFORE INSERT OR UPDATE OF input ON "run"
  FOR EACH ROW EXECUTE FUNCTION stepwise_run_input_doc();

-- ───────────────────────────── run.hyper_parameters ─────────────────────────────

-- The merged hyperparameters of one run, as lib/pipelines/queries.ts has always merged them for the API.
CREATE FUNCTION stepwise_run_hyper_parameters(p_run integer) RETURNS void LANGUAGE sql AS $$
  UPDATE run r SET hyper_parameters = m.hp
    FROM (SELECT coalesce(jsonb_object_agg(kv.key, kv.value ORDER BY j.job_created_at NULLS FIRST, j.id), '{}') AS hp
            FROM sagemaker_job j CROSS JOIN LATERAL jsonb_each(
                   CASE WHEN jsonb_typeof(j.hyper_parameters) = 'object' THEN j.hyper_parameters ELSE '{}' END) kv
           WHERE j.run_id = p_run AND j.kind = 'TRAINING') m
   WHERE r.id = p_run AND r.hyper_parameters IS DISTINCT FROM m.hp;
$$;

CREATE FUNCTION stepwise_job_hyper_parameters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.run_id IS NOT NULL THEN
    PERFORM stepwise_run_hyper_parameters(OLD.run_id);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.run_id IS NOT NULL
     AND (TG_OP = 'INSERT' OR NEW.run_id IS DISTINCT FROM OLD.run_id) THEN
    PERFORM stepwise_run_hyper_parameters(NEW.run_id);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER sagemaker_job_hp_insert AFTER INSERT ON "sagemaker_job"
  FOR EACH ROW WHEN (NEW.run_id IS NOT NULL AND NEW.kind = 'TRAINING')
  EXECUTE FUNCTION stepwise_job_hyper_parameters();
CREATE TRIGGER sagemaker_job_hp_update AFTER UPDATE OF hyper_parameters, run_id, kind, job_created_at ON "sagemaker_job"
  FOR EACH ROW WHEN (OLD.hyper_parameters IS DISTINCT FROM NEW.hyper_parameters OR OLD.run_id IS DISTINCT FROM NEW.run_id
                     OR OLD.kind IS DISTINCT FROM NEW.kind OR OLD.job_created_at IS DISTINCT FROM NEW.job_created_at)
  EXECUTE FUNCTION stepwise_job_hyper_parameters();
CREATE TRIGGER sagemaker_job_hp_delete AFTER DELETE ON "sagemaker_job"
  FOR EACH ROW WHEN (OLD.run_id IS NOT NULL AND OLD.kind = 'TRAINING')
  EXECUTE FUNCTION stepwise_job_hyper_parameters();

UPDATE "run" r SET "hyper_parameters" = m.hp
  FROM (SELECT j.run_id, jsonb_object_agg(kv.key, kv.value ORDER BY j.job_created_at NULLS FIRST, j.id) AS hp
          FROM sagemaker_job j CROSS JOIN LATERAL jsonb_each(
                 CASE WHEN jsonb_typeof(j.hyper_parameters) = 'object' THEN j.hyper_parameters ELSE '{}' END) kv
         WHERE j.run_id IS NOT NULL AND j.kind = 'TRAINING'
         GROUP BY j.run_id) m
 WHERE r.id = m.run_id;

CREATE INDEX "run_input_doc_idx" ON "run" USING GIN ("input_doc" jsonb_path_ops);
CREATE INDEX "run_hyper_parameters_idx" ON "run" USING GIN ("hyper_parameters" jsonb_path_ops);

-- ───────────────────────────── saved views ─────────────────────────────

CREATE TABLE "saved_view" (
    "id" TEXT NOT NULL,
    "pipeline_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "params" JSONB NOT NULL DEFAULT '{}',
    "user_id" TEXT,
    "team_id" INTEGER,
    "created_by" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "saved_view_pkey" PRIMARY KEY ("id"),
    -- Owned by a user or by a team, never both, never neither.
    CONSTRAINT "saved_view_owner_check" CHECK (("user_id" IS NULL) <> ("team_id" IS NULL))
);
CREATE INDEX "saved_view_pipeline_id_idx" ON "saved_view"("pipeline_id");
CREATE INDEX "saved_view_user_id_idx" ON "saved_view"("user_id");
CREATE INDEX "saved_view_team_id_idx" ON "saved_view"("team_id");

ALTER TABLE "saved_view" ADD CONSTRAINT "saved_view_pipeline_id_fkey" FOREIGN KEY ("pipeline_id") REFERENCES "pipeline"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "saved_view" ADD CONSTRAINT "saved_view_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "saved_view" ADD CONSTRAINT "saved_view_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "team"("id") ON DELETE CASCADE ON UPDATE CASCADE;
