/**
 * The metric-evolution series from the pre-aggregated blocks of `metric_rollup` (migration
 * 20261130300000_metric_rollups), in ONE statement whose cost follows the pixel width, not the run count.
 *
 * Blocks: level l covers 4^l runs (x = run number) or 4^l minutes (x = start time, epoch ms).
 * The range [a, b] of x (run numbers, or epoch ms) is cut like a segment tree: the coarsest level L whose
 * whole blocks inside the range number at least `buckets` gives the core (between `buckets` and 4 × `buckets`
 * blocks), and what is left at either end is covered by at most 3 blocks per finer level, down to raw rows
 * (level 0 = run_metric itself, or the failed runs). Pixel buckets are unions of whole core blocks (the
 * edges join the first and the last bucket), so every bucket's min, max, worst deviation and count are
 * exact — the same rows a full scan would pick — while a request reads O(buckets + levels) rows:
 * 100k runs cost what 10k do. Zooming is the same statement on a narrower range.
 *
 * Each block stores its rows as arrays ordered for min()/max(): [value, x, run id, previous, baseline] and
 * [±deviation, x, run id, value, baseline], so the extreme rows of a bucket come out of a hash aggregate.
 * The previous value and the baseline are those of a trailing window of ROLLUP_WINDOW runs, stored per row;
 * another `window` is served by the exact statement in metric-series.ts.
 */

/** The trailing-baseline window the rollups store (the graph's default). */
export const ROLLUP_WINDOW = 10;

type Axis = { id: 0 | 1; unit: number; levels: number };
const AXES: Record<"number" | "time", Axis> = {
  number: { id: 0, unit: 1, levels: 10 },
  time: { id: 1, unit: 60_000, levels: 12 },
};

/** Block size in x units at level l (level 0: one x unit, i.e. raw rows). */
const size = (axis: Axis, l: string) =>
  `(CASE WHEN (${l}) = 0 THEN 1::bigint ELSE ${axis.unit}::bigint << (2 * (${l})) END)`;

export function metricSeriesRollupSql(x: "time" | "number"): string {
  const axis = AXES[x];
  const byNumber = x === "number";
  const ts = (ms: string) => `(timestamp 'epoch' + (${ms}) * interval '1 millisecond')`;
  const xOfRun = (alias: string) =>
    byNumber ? `${alias}.run_number::float8` : `stepwise_epoch_ms(${alias}.started_at)`;
  // Open ends: any run number; ±1e14 ms (±3,000 years) stays inside timestamp's range.
  const open = byNumber ? "2e9" : "1e14";
  const runInRange = (alias: string) =>
    byNumber
      ? `${alias}.run_number BETWEEN coalesce(ceil($5::float8), -${open})::bigint AND coalesce(floor($6::float8), ${open})::bigint`
      : `${alias}.started_at BETWEEN ${ts(`coalesce($5::float8, -${open})`)} AND ${ts(`coalesce($6::float8, ${open})`)}`;
  const ceilDiv = (n: string, d: string) => `(-floor(-(${n})::numeric / (${d})))::bigint`;
  const floorDiv = (n: string, d: string) => `floor((${n})::numeric / (${d}))::bigint`;
  return /* sql */ `
WITH
-- The x range: the request's from/to, else the first and last run (two index probes).
span AS (
  SELECT coalesce($5::float8, (SELECT ${xOfRun("r")} FROM run r
           WHERE r.pipeline_id = $1 AND ${runInRange("r")}
           ORDER BY ${byNumber ? "r.run_number" : "r.started_at"} LIMIT 1)) AS lo,
         coalesce($6::float8, (SELECT ${xOfRun("r")} FROM run r
           WHERE r.pipeline_id = $1 AND ${runInRange("r")}
           ORDER BY ${byNumber ? "r.run_number" : "r.started_at"} DESC LIMIT 1)) AS hi
),
dom AS (
  SELECT ceil(lo)::bigint AS a, floor(hi)::bigint AS b FROM span WHERE lo IS NOT NULL AND hi IS NOT NULL AND lo <= hi
),
-- The coarsest level with at least $4 whole blocks in [a, b]; 0 when none (then raw rows are few).
lvl AS (
  SELECT d.a, d.b, coalesce((
    SELECT max(l) FROM generate_series(1, ${axis.levels}) l
     WHERE ${floorDiv("d.b + 1", size(axis, "l"))} - ${ceilDiv("d.a", size(axis, "l"))} >= $4), 0) AS l
  FROM dom d
),
-- Core x range [c0, c1]: whole level-L blocks (all of [a, b] when L = 0).
core AS (
  SELECT v.a, v.b, v.l,
         ${ceilDiv("v.a", size(axis, "v.l"))} * ${size(axis, "v.l")} AS c0,
         ${floorDiv("v.b + 1", size(axis, "v.l"))} * ${size(axis, "v.l")} - 1 AS c1
  FROM lvl v
),
-- Pieces of the range: [level, x0, x1] with x0, x1 + 1 multiples of the level's block size.
pieces AS (
  SELECT c.l AS level, c.c0 AS x0, c.c1 AS x1 FROM core c
  UNION ALL
  SELECT e.l, ${ceilDiv("c.a", size(axis, "e.l"))} * ${size(axis, "e.l")},
         ${ceilDiv("c.a", size(axis, "e.l + 1"))} * ${size(axis, "e.l + 1")} - 1
    FROM core c CROSS JOIN generate_series(0, c.l - 1) e(l)
  UNION ALL
  SELECT e.l, ${floorDiv("c.b + 1", size(axis, "e.l + 1"))} * ${size(axis, "e.l + 1")},
         ${floorDiv("c.b + 1", size(axis, "e.l"))} * ${size(axis, "e.l")} - 1
    FROM core c CROSS JOIN generate_series(0, c.l - 1) e(l)
),
-- Blocks and raw rows of every piece, per metric, as (x of its start, count, arrays). LATERAL + OFFSET 0 keep
-- each piece an index range scan of its own (a join would read every block of the series).
parts AS (
  SELECT u.name, u.dir, pc.level, mr.x, mr.n, mr.lo, mr.hi, mr.dpos, mr.dneg
    FROM unnest($2::text[], $3::int[]) AS u(name, dir)
    CROSS JOIN pieces pc
    CROSS JOIN LATERAL (
      SELECT m.block * ${size(axis, "pc.level")} AS x, m.n, m.lo, m.hi, m.dpos, m.dneg
        FROM metric_rollup m
       WHERE m.pipeline_id = $1 AND m.metric = u.name AND m.axis = ${axis.id} AND m.level = pc.level
         AND m.block BETWEEN pc.x0 / ${size(axis, "pc.level")} AND (pc.x1 + 1) / ${size(axis, "pc.level")} - 1
      OFFSET 0
    ) mr
   WHERE pc.level > 0 AND pc.x0 <= pc.x1
  UNION ALL
  SELECT u.name, u.dir, 0, q.x, 1, ARRAY[q.value, q.x, q.run_id, q.prev_value, q.base_value],
         ARRAY[q.value, q.x, q.run_id, q.prev_value, q.base_value],
         CASE WHEN q.dev IS NULL THEN '{}' ELSE ARRAY[q.dev, q.x, q.run_id, q.value, q.base_value] END,
         CASE WHEN q.dev IS NULL THEN '{}' ELSE ARRAY[-q.dev, q.x, q.run_id, q.value, q.base_value] END
    FROM unnest($2::text[], $3::int[]) AS u(name, dir)
    CROSS JOIN pieces pc
    CROSS JOIN LATERAL (
      SELECT m.value, m.run_id, m.prev_value, m.base_value, stepwise_metric_dev(m.value, m.base_value, m.base_n) AS dev,
             ${byNumber ? "m.run_number::float8" : "stepwise_epoch_ms(m.run_started_at)"} AS x
        FROM run_metric m
       WHERE m.pipeline_id = $1 AND m.name = u.name AND m.scope = 'run'
         AND ${byNumber ? "m.run_number BETWEEN pc.x0 AND pc.x1" : `m.run_started_at BETWEEN ${ts("pc.x0")} AND ${ts("pc.x1")}`}
      OFFSET 0
    ) q
   WHERE pc.level = 0 AND pc.x0 <= pc.x1
),
failed_parts AS (
  SELECT mr.x, mr.n, mr.lo
    FROM pieces pc
    CROSS JOIN LATERAL (
      SELECT m.block * ${size(axis, "pc.level")} AS x, m.n, m.lo
        FROM metric_rollup m
       WHERE m.pipeline_id = $1 AND m.metric = '' AND m.axis = ${axis.id} AND m.level = pc.level
         AND m.block BETWEEN pc.x0 / ${size(axis, "pc.level")} AND (pc.x1 + 1) / ${size(axis, "pc.level")} - 1
      OFFSET 0
    ) mr
   WHERE pc.level > 0 AND pc.x0 <= pc.x1
  UNION ALL
  SELECT f.x, 1, ARRAY[f.x, f.id]
    FROM pieces pc
    CROSS JOIN LATERAL (
      SELECT r.id, ${xOfRun("r")} AS x FROM run r
       WHERE r.pipeline_id = $1 AND r.status IN ('FAILED', 'TIMED_OUT', 'ABORTED')
         AND ${byNumber ? "r.run_number BETWEEN pc.x0 AND pc.x1" : `r.started_at BETWEEN ${ts("pc.x0")} AND ${ts("pc.x1")}`}
      OFFSET 0
    ) f
   WHERE pc.level = 0 AND pc.x0 <= pc.x1
),
-- Bucket of a part: the edges join the first and last bucket; the core is cut into $4 runs of whole blocks.
bucketed AS (
  SELECT p.*, CASE WHEN p.x < c.c0 THEN 0 WHEN p.x > c.c1 THEN $4 - 1
                   ELSE floor((p.x - c.c0)::numeric * $4 / (c.c1 + 1 - c.c0))::int END AS bucket
    FROM parts p CROSS JOIN core c
),
agg AS (
  SELECT b.name, b.bucket, sum(b.n)::int AS n, min(b.lo) AS lo_row, max(b.hi) AS hi_row,
         CASE WHEN min(b.dir) > 0 THEN max(b.dpos) ELSE max(b.dneg) END AS worst
    FROM bucketed b
   GROUP BY b.name, b.bucket
),
failed AS (
  SELECT min(f.lo) AS v, sum(f.n)::int AS n
    FROM failed_parts f CROSS JOIN core c
   GROUP BY CASE WHEN f.x < c.c0 THEN 0 WHEN f.x > c.c1 THEN $4 - 1
                 ELSE floor((f.x - c.c0)::numeric * $4 / (c.c1 + 1 - c.c0))::int END
),
-- Definition changes: the first run of each revision that is not the pipeline's first run (one probe each).
changes AS (
  SELECT f.run_id, f.x, f.revision_id
    FROM pipeline_revision rv
    CROSS JOIN LATERAL (
      SELECT r.id AS run_id, r.revision_id, r.started_at, ${xOfRun("r")} AS x FROM run r
       WHERE r.revision_id = rv.id
       ORDER BY r.started_at, r.id LIMIT 1
    ) f
    CROSS JOIN span
   WHERE rv.pipeline_id = $1 AND f.x BETWEEN span.lo AND span.hi
     AND EXISTS (SELECT 1 FROM run e WHERE e.pipeline_id = $1 AND (e.started_at, e.id) < (f.started_at, f.run_id))
),
out AS (
  -- Each distinct extreme once: a bucket of one row (or whose min and max row is the same) gives one point.
  -- (Two plain scans of agg, not a per-bucket UNION, which set up a hash per bucket.)
  SELECT 'point' AS kind, a.name, a.lo_row[2] AS x, a.lo_row[1] AS y, a.lo_row[3]::int AS run_id, a.lo_row[4] AS prev,
         a.lo_row[5] AS base, NULL::int AS n
    FROM agg a
  UNION ALL
  SELECT 'point', a.name, a.hi_row[2], a.hi_row[1], a.hi_row[3]::int, a.hi_row[4], a.hi_row[5], NULL
    FROM agg a WHERE a.hi_row <> a.lo_row
  UNION ALL
  SELECT 'regression', a.name, a.worst[2], a.worst[4], a.worst[3]::int, NULL, a.worst[5], NULL
    FROM agg a WHERE cardinality(a.worst) > 0 AND a.worst[1] > $7
  UNION ALL
  SELECT 'count', a.name, NULL, NULL, NULL, NULL, NULL, sum(a.n)::int FROM agg a GROUP BY a.name
  UNION ALL
  SELECT 'failed', NULL, f.v[1], NULL, f.v[2]::int, NULL, NULL, f.n FROM failed f
  UNION ALL
  (SELECT 'change', NULL, c.x, NULL, c.run_id, NULL, c.revision_id::float8, NULL FROM changes c ORDER BY c.x LIMIT 500)
  UNION ALL
  SELECT 'domain', NULL, span.lo, span.hi, NULL, NULL, NULL, NULL FROM span WHERE span.lo IS NOT NULL AND span.hi IS NOT NULL
  UNION ALL
  ${PIPELINE_ROW}
)
${OUT_ROWS}`;
}

/**
 * The statement's last part, shared with metric-series.ts: the rows of `out`, unordered (assembleMetricSeries,
 * lib/pipelines/queries.ts, sorts in JavaScript: an ORDER BY of these ~12k rows cost ~40 % of the statement at
 * 100k runs). The runs they refer to are not read here: lib/pipelines/run-labels.ts reads each once, and only
 * those this process does not already know (looking up and sending ~5.6k runs was over half of it).
 */
/**
 * The row that says the pipeline exists (none: 404), shared with metric-series.ts. Its y is the pipeline's
 * relabel counter (migration 20261203100000_run_relabel), read in the statement's snapshot: the failed runs'
 * labels an instance remembers hold while it is unchanged (lib/pipelines/run-labels.ts).
 */
export const PIPELINE_ROW = /* sql */ `SELECT 'pipeline', NULL, NULL, coalesce(rl.n, 0)::float8, NULL, NULL, NULL, NULL
    FROM pipeline LEFT JOIN pipeline_run_relabel rl ON rl.pipeline_id = pipeline.id WHERE pipeline.id = $1`;

export const OUT_ROWS = /* sql */ `
SELECT out.kind, out.name, out.x, out.y, out.run_id, out.prev, out.base, out.n FROM out`;

export type MetricSeriesRollupParams = {
  pipelineId: number;
  names: string[];
  directions: number[];
  buckets: number;
  from: number | null;
  to: number | null;
  /** fraction, e.g. 0.03 */
  threshold: number;
};

export function metricSeriesRollupParams(p: MetricSeriesRollupParams): unknown[] {
  return [p.pipelineId, p.names, p.directions, p.buckets, p.from, p.to, p.threshold];
}
