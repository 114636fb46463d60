/**
 * The metric-evolution series of a pipeline, downsampled IN SQL for a pixel width, in ONE statement, reading
 * every row of the range: the exact path for a trailing-baseline `window` other than the one the rollups
 * store (the graph's default is served by metric-series-rollup.ts, whose cost follows the pixels).
 *
 * Why SQL and not TS: at 100k runs × several metrics, shipping every value to Node to thin it there
 * costs more than the whole page budget. Postgres reads each metric as one range scan of run_metric's
 * (pipeline_id, name, run_started_at) index, computes the trailing baseline and the previous value
 * over the full-resolution series (so deltas and regressions are exact, not those of the thinned
 * points), and keeps per pixel bucket the minimum and the maximum (min/max downsampling: spikes and
 * dips survive, unlike averaging) — at most 2 points per bucket, buckets = width / 2, so never more
 * than `width` points per metric. Per bucket it also keeps the worst regression, the failed runs and
 * the definition changes, so no marker is lost to downsampling.
 *
 * min(float8[]) / max(float8[]) pick the whole row of the extreme value in a hash aggregate, without
 * sorting each bucket (array comparison is element-wise: value first, then x, then run id).
 *
 * Timestamps are `timestamp(3)` holding UTC; epoch milliseconds are computed with date_part(epoch) (float8;
 * extract() would compute in numeric, several times slower per row), which reads a timestamp without time zone
 * as UTC, whatever the session's TimeZone.
 */
import { OUT_ROWS, PIPELINE_ROW } from "./metric-series-rollup";

const bucketOf = (x: string) =>
  `coalesce(least($4 - 1, greatest(0, floor((${x} - span.lo) / nullif(span.hi - span.lo, 0) * $4)))::int, 0)`;

/** The statement for one x-axis mode (they differ in where x comes from and how the range is given). */
export function metricSeriesSql(x: "time" | "number"): string {
  const byNumber = x === "number";
  const epoch = (column: string) => `(date_part('epoch', ${column}) * 1000)`;
  // x of a run row `alias`: its start (epoch ms), or its number (a join on the numbered runs).
  const xJoin = (alias: string, xAlias: string) =>
    byNumber
      ? `JOIN numbered ${xAlias} ON ${xAlias}.id = ${alias}.run_id`
      : `CROSS JOIN LATERAL (SELECT ${epoch(`${alias}.run_started_at`)} AS n) ${xAlias}`;
  const timeRange = (column: string) => `
      AND ($5::float8 IS NULL OR ${column} >= (to_timestamp($5::float8 / 1000) AT TIME ZONE 'UTC'))
      AND ($6::float8 IS NULL OR ${column} <= (to_timestamp($6::float8 / 1000) AT TIME ZONE 'UTC'))`;
  return /* sql */ `
WITH
${
  byNumber
    ? `-- x = run number: the stored per-pipeline number (run.run_number).
numbered AS MATERIALIZED (
  SELECT r.id, r.started_at, r.run_number::float8 AS n
  FROM run r WHERE r.pipeline_id = $1 AND r.run_number IS NOT NULL
),
span AS (
  SELECT min(nb.started_at) AS lo_at, max(nb.started_at) AS hi_at,
         coalesce($5::float8, min(nb.n)) AS lo, coalesce($6::float8, max(nb.n)) AS hi
  FROM numbered nb
  WHERE ($5::float8 IS NULL OR nb.n >= $5::float8) AND ($6::float8 IS NULL OR nb.n <= $6::float8)
),`
    : `-- x = start time: the range's first and last run starts are two index probes.
bounds AS (
  SELECT (SELECT min(r.started_at) FROM run r WHERE r.pipeline_id = $1 ${timeRange("r.started_at")}) AS lo_at,
         (SELECT max(r.started_at) FROM run r WHERE r.pipeline_id = $1 ${timeRange("r.started_at")}) AS hi_at
),
span AS (
  SELECT b.lo_at, b.hi_at, coalesce($5::float8, ${epoch("b.lo_at")}) AS lo, coalesce($6::float8, ${epoch("b.hi_at")}) AS hi
  FROM bounds b
),`
}
-- Per metric: the rows of the range plus the $7 rows before it (for the baseline and the previous
-- value of the first points), in start order straight from the index. The baseline is a difference
-- of running sums, O(n) (a moving avg() over float8 has no inverse transition and would be O(n·window)).
m AS (
  SELECT u.name, u.dir, s.run_id, s.value, s.prev, s.in_range, s.run_started_at,
         (s.cs_prev - coalesce(s.cs_old, 0)) / nullif(s.base_n, 0) AS base, s.base_n
  FROM unnest($2::text[], $3::int[]) AS u(name, dir)
  CROSS JOIN span
  CROSS JOIN LATERAL (
    SELECT q.run_id, q.value, q.in_range, q.run_started_at,
           lag(q.value) OVER o AS prev,
           sum(q.value) OVER (o ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS cs_prev,
           sum(q.value) OVER (o ROWS BETWEEN UNBOUNDED PRECEDING AND $7 + 1 PRECEDING) AS cs_old,
           least(row_number() OVER o - 1, $7) AS base_n
    FROM (
      (SELECT b.* FROM (
         SELECT rm.run_id, rm.value, rm.run_started_at, false AS in_range
           FROM run_metric rm
          WHERE rm.pipeline_id = $1 AND rm.name = u.name AND rm.scope = 'run' AND rm.run_started_at < span.lo_at
          ORDER BY rm.run_started_at DESC
          LIMIT $7) b
       ORDER BY b.run_started_at)
      UNION ALL
      (SELECT rm.run_id, rm.value, rm.run_started_at, true
         FROM run_metric rm
        WHERE rm.pipeline_id = $1 AND rm.name = u.name AND rm.scope = 'run'
          AND rm.run_started_at BETWEEN span.lo_at AND span.hi_at
        ORDER BY rm.run_started_at)
    ) q
    WINDOW o AS (ORDER BY q.run_started_at, q.run_id)
  ) s
),
p AS (
  SELECT m.name, m.run_id, m.value, m.prev, m.base, xx.n AS x, ${bucketOf("xx.n")} AS bucket,
         CASE WHEN m.base_n >= least($7, 3) AND m.base <> 0 THEN m.dir * (m.base - m.value) / abs(m.base) END AS drop
  FROM m
  ${xJoin("m", "xx")}
  CROSS JOIN span
  WHERE m.in_range
),
agg AS (
  SELECT p.name, p.bucket, count(*)::int AS n,
         min(ARRAY[p.value, p.x, p.run_id, p.prev, p.base]) AS lo_row,
         max(ARRAY[p.value, p.x, p.run_id, p.prev, p.base]) AS hi_row,
         max(ARRAY[p.drop, p.x, p.run_id, p.value, p.base]) FILTER (WHERE p.drop > $8) AS worst
  FROM p
  GROUP BY p.name, p.bucket
),
-- Failed runs of the range through the (pipeline_id, status, started_at) index: one mark per bucket.
failed AS (
  SELECT f.run_id, f.run_started_at FROM span
  CROSS JOIN LATERAL (
    SELECT r.id AS run_id, r.started_at AS run_started_at FROM run r
    WHERE r.pipeline_id = $1 AND r.status IN ('FAILED', 'TIMED_OUT', 'ABORTED')
      AND r.started_at BETWEEN span.lo_at AND span.hi_at
  ) f
),
-- Definition changes: a run whose revision differs from the run before it (one pass over the range).
changes AS (
  SELECT c.run_id, c.run_started_at, c.revision_id FROM span
  CROSS JOIN LATERAL (
    SELECT r.id AS run_id, r.started_at AS run_started_at, r.revision_id,
           lag(r.revision_id) OVER (ORDER BY r.started_at, r.id) AS prev_revision
    FROM run r
    WHERE r.pipeline_id = $1 AND r.started_at BETWEEN span.lo_at AND span.hi_at
  ) c
  WHERE c.prev_revision IS NOT NULL AND c.revision_id IS NOT NULL AND c.revision_id <> c.prev_revision
),
out AS (
  SELECT 'point' AS kind, a.name, e.v[2] AS x, e.v[1] AS y, e.v[3]::int AS run_id, e.v[4] AS prev, e.v[5] AS base,
         NULL::int AS n
  FROM agg a
  CROSS JOIN LATERAL (SELECT a.lo_row AS v UNION SELECT a.hi_row) e
  UNION ALL
  SELECT 'regression', a.name, a.worst[2], a.worst[4], a.worst[3]::int, NULL, a.worst[5], NULL
  FROM agg a WHERE a.worst IS NOT NULL
  UNION ALL
  SELECT 'count', a.name, NULL, NULL, NULL, NULL, NULL, sum(a.n)::int FROM agg a GROUP BY a.name
  UNION ALL
  SELECT 'failed', NULL, g.v[1], NULL, g.v[2]::int, NULL, NULL, g.n
  FROM (
    SELECT min(ARRAY[xx.n, f.run_id]) AS v, count(*)::int AS n
    FROM failed f ${xJoin("f", "xx")} CROSS JOIN span
    GROUP BY ${bucketOf("xx.n")}
  ) g
  UNION ALL
  (SELECT 'change', NULL, xx.n, NULL, c.run_id, NULL, c.revision_id::float8, NULL
     FROM changes c ${xJoin("c", "xx")}
    ORDER BY xx.n
    LIMIT 500)
  UNION ALL
  SELECT 'domain', NULL, span.lo, span.hi, NULL, NULL, NULL, NULL FROM span WHERE span.lo IS NOT NULL
  UNION ALL
  ${PIPELINE_ROW}
)
${OUT_ROWS}`;
}

export type MetricSeriesRow = {
  kind: "point" | "regression" | "count" | "failed" | "change" | "domain" | "pipeline";
  name: string | null;
  x: number | null;
  y: number | null;
  run_id: number | null;
  prev: number | null;
  base: number | null;
  n: number | null;
};

/** A row of either series statement (`OUT_ROWS`), as pg's rowMode "array" gives it. */
export type MetricSeriesTuple = [
  kind: MetricSeriesRow["kind"],
  name: string | null,
  x: number | null,
  y: number | null,
  run_id: number | null,
  prev: number | null,
  base: number | null,
  n: number | null,
];

/**
 * What the runs' labels (lib/pipelines/run-labels.ts) need from a series statement's rows: the runs they refer
 * to, by id, with the x each has in the answer (every reference to a run is at its x), and the relabel counter
 * the pipeline row carries as its y (PIPELINE_ROW). Null without a pipeline row: there is no such pipeline.
 */
export function seriesRunRefs(
  rows: readonly MetricSeriesTuple[],
): { refs: Map<number, number>; relabel: number } | null {
  let relabel: number | null = null;
  const refs = new Map<number, number>();
  for (const row of rows) {
    if (row[0] === "pipeline") relabel = row[3] ?? 0;
    else if (row[4] !== null && row[2] !== null) refs.set(row[4], row[2]);
  }
  return relabel === null ? null : { refs, relabel };
}

export type MetricSeriesParams = {
  pipelineId: number;
  names: string[];
  /** +1: higher is better, -1: lower is better; same order as names */
  directions: number[];
  buckets: number;
  x: "time" | "number";
  from: number | null;
  to: number | null;
  window: number;
  /** fraction, e.g. 0.03 */
  threshold: number;
};

export function metricSeriesParams(p: MetricSeriesParams): unknown[] {
  return [p.pipelineId, p.names, p.directions, p.buckets, p.from, p.to, p.window, p.threshold];
}
