/**
 * The pipelines index, in ONE statement: filter (text, team, tag, status of the latest run), a keyset
 * page sorted by latest run or name, and per pipeline of the page only (LATERAL, index probes): the
 * latest run, success rate and median duration of its last RECENT_WINDOW finished runs, and the
 * headline metric of its last SPARK_POINTS runs for the sparkline. The total is an exact count of the
 * matching *pipelines* (thousands at most, never runs).
 */
import type { PipelineListQuery } from "../schema";

export const RECENT_WINDOW = 20;
export const SPARK_POINTS = 30;

type Sort = PipelineListQuery["sort"];

const SORT_KEY: Record<Sort, { key: string; order: "ASC" | "DESC"; cast: string }> = {
  // Pipelines that never ran sort last (-infinity), ties by id.
  recent: { key: "coalesce(p.last_run_at, '-infinity'::timestamp)", order: "DESC", cast: "::timestamp" },
  name: { key: "lower(p.name)", order: "ASC", cast: "::text" },
};

/**
 * $1 ILIKE pattern | null, $2 team slug | null, $3 tag key | null, $4 tag value | null,
 * $5 latest-run status ('NEVER' = no run) | null, $6 limit + 1, $7 cursor key (text) | null, $8 cursor id | null.
 */
export function pipelineIndexSql(sort: Sort, reverse: boolean): string {
  const spec = SORT_KEY[sort];
  const descending = (spec.order === "DESC") !== reverse;
  const cmp = descending ? "<" : ">";
  const dir = descending ? "DESC" : "ASC";
  return /* sql */ `
WITH filtered AS NOT MATERIALIZED (
  SELECT p.id, p.name, p.description, p.tags, p.last_run_at,
         coalesce(p.headline_metric, p.tags ->> 'stepwise:headline-metric') AS headline,
         coalesce(t.slug, p.tags ->> 'team') AS team_slug, coalesce(t.name, p.tags ->> 'team') AS team_name,
         ${spec.key} AS sort_key
  FROM pipeline p
  LEFT JOIN team t ON t.id = p.team_id
  WHERE p.status <> 'DELETED'
    AND ($1::text IS NULL OR p.name ILIKE $1::text OR p.description ILIKE $1::text)
    AND ($2::text IS NULL OR t.slug = $2::text OR (t.id IS NULL AND p.tags ->> 'team' = $2::text))
    AND ($3::text IS NULL OR (jsonb_typeof(p.tags) = 'object' AND p.tags ? $3::text))
    AND ($4::text IS NULL OR p.tags ->> $3::text = $4::text)
    AND ($5::text IS NULL OR coalesce(
          (SELECT r.status::text FROM run r WHERE r.pipeline_id = p.id ORDER BY r.started_at DESC, r.id DESC LIMIT 1),
          'NEVER') = $5::text)
),
page AS (
  SELECT * FROM filtered f
  WHERE $8::int IS NULL OR (f.sort_key, f.id) ${cmp} ($7::text${spec.cast}, $8::int)
  ORDER BY f.sort_key ${dir}, f.id ${dir}
  LIMIT $6
)
SELECT pg.id, pg.name, pg.description, pg.tags, pg.headline, pg.team_slug, pg.team_name,
       pg.sort_key::text AS cursor_key,
       (SELECT count(*)::int FROM filtered) AS total,
       lr.public_id AS last_public_id, lr.name AS last_name, lr.status::text AS last_status,
       to_char(lr.started_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_started_at,
       to_char(lr.stopped_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_stopped_at,
       st.finished, st.succeeded, st.median_ms, sp.values AS sparkline
FROM page pg
LEFT JOIN LATERAL (
  SELECT r.public_id, r.name, r.status, r.started_at, r.stopped_at
  FROM run r WHERE r.pipeline_id = pg.id
  ORDER BY r.started_at DESC, r.id DESC LIMIT 1
) lr ON true
LEFT JOIN LATERAL (
  SELECT count(*)::int AS finished,
         count(*) FILTER (WHERE x.status = 'SUCCEEDED')::int AS succeeded,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY x.ms) FILTER (WHERE x.status = 'SUCCEEDED') AS median_ms
  FROM (
    SELECT r.status, extract(epoch FROM r.stopped_at - r.started_at) * 1000 AS ms
    FROM run r
    WHERE r.pipeline_id = pg.id AND r.status NOT IN ('RUNNING', 'PENDING_REDRIVE')
    ORDER BY r.started_at DESC, r.id DESC
    LIMIT ${RECENT_WINDOW}
  ) x
) st ON true
LEFT JOIN LATERAL (
  SELECT array_agg(s.value ORDER BY s.run_started_at) AS values
  FROM (
    SELECT rm.value, rm.run_started_at FROM run_metric rm
    WHERE rm.pipeline_id = pg.id AND rm.name = pg.headline AND rm.scope = 'run'
    ORDER BY rm.run_started_at DESC LIMIT ${SPARK_POINTS}
  ) s
) sp ON true
ORDER BY pg.sort_key ${dir}, pg.id ${dir}`;
}

export type PipelineIndexRow = {
  id: number;
  name: string;
  description: string | null;
  tags: unknown;
  headline: string | null;
  team_slug: string | null;
  team_name: string | null;
  cursor_key: string;
  total: number;
  last_public_id: string | null;
  last_name: string | null;
  last_status: string | null;
  last_started_at: string | null;
  last_stopped_at: string | null;
  finished: number;
  succeeded: number;
  median_ms: number | null;
  sparkline: number[] | null;
};
