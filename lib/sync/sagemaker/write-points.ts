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

/** Upserts the points (one batch may hold several jobs); returns the ids of jobs whose series changed. */
export async function upsertMetricPoints(client: pg.PoolClient, rows: readonly PointRow[]): Promise<Set<number>> {
  const changed = new Set<number>();
  for (const part of chunks([...rows], CHUNK)) {
    const columns = [0, 1, 2, 3, 4].map((i) => part.map((r) => r[i]));
    for (const r of (await client.query<{ job_id: number }>(UPSERT_POINTS, columns)).rows) changed.add(r.job_id);
  }
  return changed;
}
