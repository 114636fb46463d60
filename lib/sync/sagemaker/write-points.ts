/**
 * The per-epoch metric series (metric_point) upsert, idempotent: a point whose value and time did not change is
 * not rewritten, and the ids of the jobs whose series did change come back (they get a live "metric" message).
 *
 * Points travel as unnest arrays, 10,000 per statement. COPY was measured here too (issue #17): COPY cannot
 * upsert, and COPY into a staging table + one merge ran at half the rate of the arrays (22k vs 48k points/s in
 * the same machine state, bench/ingest.ts), so the arrays stay.
 */
import "server-only";
import type pg from "pg";
import { CHUNK, chunks } from "./sql";

export type PointRow = [jobId: number, name: string, step: number, value: number, timestamp: string];

const UPSERT_POINTS = `
WITH w AS (
  INSERT INTO metric_point AS p (job_id, name, step, value, timestamp)
  SELECT t.job_id, t.name, t.step, t.value, t.ts AT TIME ZONE 'UTC'
  FROM unnest($1::int4[], $2::text[], $3::int4[], $4::float8[], $5::timestamptz[]) AS t(job_id, name, step, value, ts)
  ON CONFLICT (job_id, name, step) DO UPDATE SET value = EXCLUDED.value, timestamp = EXCLUDED.timestamp
  WHERE (p.value, p.timestamp) IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.timestamp)
  RETURNING p.job_id
) SELECT DISTINCT job_id FROM w`;

// A fetch answers a metric's whole series from the job's start: steps past its last one are left from an earlier,
// finer fetch (1-second epochs before the job outlived CloudWatch's 3-hour retention) and go.
const TRIM_POINTS = `
DELETE FROM metric_point p
USING unnest($1::int4[], $2::text[], $3::int4[]) AS t(job_id, name, steps)
WHERE p.job_id = t.job_id AND p.name = t.name AND p.step >= t.steps
RETURNING p.job_id`;

/**
 * Upserts the points (one batch may hold several jobs, each metric's series whole from step 0) and drops the
 * steps a series no longer has; returns the ids of jobs whose series changed. A metric without points in
 * `rows` is left as stored.
 */
export async function upsertMetricPoints(client: pg.PoolClient, rows: readonly PointRow[]): Promise<Set<number>> {
  const changed = new Set<number>();
  const lengths = new Map<string, [jobId: number, name: string, steps: number]>();
  for (const [jobId, name, step] of rows) {
    const key = `${jobId}\u0000${name}`;
    const seen = lengths.get(key);
    if (!seen || seen[2] <= step) lengths.set(key, [jobId, name, step + 1]);
  }
  for (const part of chunks([...rows], CHUNK)) {
    const columns = [0, 1, 2, 3, 4].map((i) => part.map((r) => r[i]));
    for (const r of (await client.query<{ job_id: number }>(UPSERT_POINTS, columns)).rows) changed.add(r.job_id);
  }
  for (const part of chunks([...lengths.values()], CHUNK)) {
    const columns = [0, 1, 2].map((i) => part.map((r) => r[i]));
    for (const r of (await client.query<{ job_id: number }>(TRIM_POINTS, columns)).rows) changed.add(r.job_id);
  }
  return changed;
}
