-- Run search that stays fast at 100k runs in one pipeline (issue 20 item 3).
--
-- 20261130900000 indexed run.input_doc / run.hyper_parameters with GIN jsonb_path_ops over the whole table, so
-- an equality probe returned the matching runs of every pipeline, and nothing served `~` (contains). Here:
--
-- * btree_gin lets one GIN index hold (pipeline_id, document): an equality probe reads only the pipeline's runs.
-- * pg_trgm on the documents' JSON text (an expression, so no new column and no back-fill of existing rows:
--   the index build reads the rows, it does not rewrite them): a `~`, `exists` or range term first asks the
--   index for runs whose text has the key and the needle (lib/runs/search/compile.ts), then checks exactly.
--   The expression must stay byte for byte what compile.ts writes (SEARCH_TEXT), or the planner cannot use it.
--
-- Both extensions are trusted (PostgreSQL ≥ 13): the database owner may create them without superuser.

CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

DROP INDEX IF EXISTS "run_input_doc_idx";
DROP INDEX IF EXISTS "run_hyper_parameters_idx";

CREATE INDEX "run_pipeline_id_input_doc_idx" ON "run" USING GIN ("pipeline_id" int4_ops, "input_doc" jsonb_path_ops);
CREATE INDEX "run_pipeline_id_hyper_parameters_idx" ON "run" USING GIN ("pipeline_id" int4_ops, "hyper_parameters" jsonb_path_ops);
CREATE INDEX "run_search_text_idx" ON "run" USING GIN (
  "pipeline_id" int4_ops,
  (coalesce("input_doc"::text, '') || "hyper_parameters"::text) gin_trgm_ops
);

-- The planner needs statistics on the indexed expression to tell a rare needle from a common one.
ANALYZE "run";
