/**
 * One page of a pipeline's runs, in ONE statement: keyset pagination on (started_at, id) — or
 * (duration, id) for "longest" — so page 1,000 costs what page 1 costs; the requested metric columns
 * (one unique-index probe per row and metric), the model version each run produced, the trigger, and
 * a count of the matching runs bounded at COUNT_BOUND (no exact COUNT over 100k runs).
 *
 * The ORDER BY / keyset fragments come from a fixed table below, never from input.
 */
import type { RunSort } from "../schema";

export const COUNT_BOUND = 1000;

type SortSpec = { key: string; order: "ASC" | "DESC" };

/** Sort key expressions; the duration of a running run sorts as -1 (last when longest-first). */
export const RUN_SORT_KEYS: Record<RunSort, SortSpec> = {
  newest: { key: "r.started_at", order: "DESC" },
  oldest: { key: "r.started_at", order: "ASC" },
  longest: {
    key: "coalesce(extract(epoch FROM r.stopped_at - r.started_at) * 1000, -1)::float8",
    order: "DESC",
  },
};

/** Parameters of runsPageSql before the search condition's own ($SEARCH_FIRST_PARAM onwards). */
export const SEARCH_FIRST_PARAM = 9;

/**
 * Parameters: $1 pipeline id, $2 statuses ("RunStatus"[] or null), $3 from, $4 to (ISO or null),
 * $5 metric names, $6 limit + 1, $7 cursor key (ISO timestamp or number, as text) or null, $8 cursor id or
 * null, then the search condition's (lib/runs/search: `search` is its SQL, built from fixed fragments and
 * placeholders only). `reverse` reads backwards from a "prev" cursor (rows are re-reversed by the caller).
 * `pipelineKeyed`: the search's CompiledSearch.pipelineKeyed, compiled with `pipelineParam: 1`.
 */
export function runsPageSql(
  sort: RunSort,
  reverse: boolean,
  search: string | null = null,
  pipelineKeyed = false,
): string {
  const spec = RUN_SORT_KEYS[sort];
  const descending = (spec.order === "DESC") !== reverse;
  const cmp = descending ? "<" : ">";
  const dir = descending ? "DESC" : "ASC";
  const cursorKey = sort === "longest" ? "$7::float8" : "($7::timestamptz AT TIME ZONE 'UTC')";
  // With a search, the pipeline is a range of one value rather than an equality, and leads the page's order:
  // only the (pipeline_id, started_at, id) index then gives that order, so a common term reads the pipeline's
  // newest runs and stops, and never the whole table's through run(started_at) (the planner cannot know that a
  // pipeline's runs may all be older than the others', and would read every newer run of every pipeline).
  const ordered = search !== null && sort !== "longest";
  // When every GIN probe of the search carries the pipeline as an equality (CompiledSearch.pipelineKeyed), the range
  // is compared as int8: the btree (integer_ops) still uses it, btree_gin's int4_ops cannot, so no GIN probe
  // reads the pipeline's whole posting tree as a partial match (selective `=` at 100k runs: 130 → 14 ms). A
  // trigram probe keeps the int4 range: without a pipeline key it would read every pipeline's matches.
  const range = pipelineKeyed ? "$1::int8" : "$1";
  const pipelineCondition = ordered ? `r.pipeline_id BETWEEN ${range} AND ${range}` : "r.pipeline_id = $1";
  const pipelineOrder = ordered ? `f.pipeline_id ${descending ? "ASC" : "DESC"}, ` : "";
  return /* sql */ `
WITH filtered AS NOT MATERIALIZED (
  SELECT r.id, r.public_id, r.name, r.status, r.started_at, r.stopped_at, r.redrive_count, r.revision_id, r.input,
         r.pipeline_id, ${spec.key} AS sort_key
  FROM run r
  WHERE ${pipelineCondition}
    AND ($2::"RunStatus"[] IS NULL OR r.status = ANY($2::"RunStatus"[]))
    AND ($3::timestamptz IS NULL OR r.started_at >= ($3::timestamptz AT TIME ZONE 'UTC'))
    AND ($4::timestamptz IS NULL OR r.started_at < ($4::timestamptz AT TIME ZONE 'UTC'))
    ${search ? `AND ${search}` : ""}
),
page AS (
  SELECT * FROM filtered f
  WHERE $8::int IS NULL OR (f.sort_key, f.id) ${cmp} (${cursorKey}, $8::int)
  ORDER BY ${pipelineOrder}f.sort_key ${dir}, f.id ${dir}
  LIMIT $6
)
SELECT p.id, p.public_id, p.name, p.status::text AS status, p.redrive_count, p.revision_id,
       to_char(p.started_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS started_at,
       to_char(p.stopped_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS stopped_at,
       (extract(epoch FROM p.stopped_at - p.started_at) * 1000)::float8 AS duration_ms,
       CASE WHEN p.redrive_count > 0 THEN 'redrive'
            ELSE substring(left(p.input, 4000) FROM '"trigger"\\s*:\\s*"([^"\\\\]{1,64})"') END AS trigger,
       CASE WHEN ${sort === "longest" ? "true" : "false"} THEN p.sort_key::text
            ELSE to_char(p.sort_key, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END AS cursor_key,
       (SELECT jsonb_object_agg(rm.name, rm.value)
          FROM run_metric rm
         WHERE rm.run_id = p.id AND rm.scope = 'run' AND rm.name = ANY($5::text[])) AS metrics,
       mv.model_id, mv.model_name, mv.version, mv.approval,
       (SELECT count(*)::int FROM (SELECT 1 FROM filtered LIMIT ${COUNT_BOUND + 1}) c) AS bounded_count
FROM page p
LEFT JOIN LATERAL (
  SELECT v.model_id, g.name AS model_name, v.version, v.approval_status::text AS approval
  FROM model_version v JOIN model_group g ON g.id = v.model_id
  WHERE v.run_id = p.id
  ORDER BY v.version DESC
  LIMIT 1
) mv ON true
ORDER BY p.sort_key ${dir}, p.id ${dir}`;
}

export type RunsPageRow = {
  id: number;
  public_id: string;
  name: string;
  status: string;
  redrive_count: number;
  revision_id: number | null;
  started_at: string;
  stopped_at: string | null;
  duration_ms: number | null;
  trigger: string | null;
  cursor_key: string;
  metrics: Record<string, number> | null;
  model_id: number | null;
  model_name: string | null;
  version: number | null;
  approval: string | null;
  bounded_count: number;
};
