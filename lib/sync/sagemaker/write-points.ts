/**
 * The per-epoch metric series (metric_point) upsert, idempotent: a point whose value and time did not change is
 * not rewritten, and the ids of the jobs whose series did change come back (they get a live "metric" message).
 * Large batches are COPYed into a session-local staging table and merged with one INSERT … ON CONFLICT (COPY
 * itself cannot upsert); small ones travel as unnest arrays in one statement.
 */
import "server-only";
import type pg from "pg";
import { copyLine, copyLines } from "@/lib/db/copy";
import { CHUNK, chunks } from "./sql";

export type PointRow = [jobId: number, name: string, step: number, value: number, timestamp: string];

/** Below this many points one unnest statement is cheaper than staging + COPY + merge. */
const COPY_FROM = 2_000;

const MERGE = (source: string) => `
WITH w AS (
  INSERT INTO metric_point AS p (job_id, name, step, value, timestamp)
  SELECT t.job_id, t.name, t.step, t.value, t.ts AT TIME ZONE 'UTC'
  FROM ${source}
  ON CONFLICT (job_id, name, step) DO UPDATE SET value = EXCLUDED.value, timestamp = EXCLUDED.timestamp
  WHERE (p.value, p.timestamp) IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.timestamp)
  RETURNING p.job_id
) SELECT DISTINCT job_id FROM w`;

const UNNEST = MERGE(
  "unnest($1::int4[], $2::text[], $3::int4[], $4::float8[], $5::timestamptz[]) AS t(job_id, name, step, value, ts)",
);

/** Upserts the points (one batch may hold several jobs); returns the ids of jobs whose series changed. */
export async function upsertMetricPoints(client: pg.PoolClient, rows: readonly PointRow[]): Promise<Set<number>> {
  const changed = new Set<number>();
  if (rows.length < COPY_FROM) {
    for (const part of chunks([...rows], CHUNK)) {
      const columns = [0, 1, 2, 3, 4].map((i) => part.map((r) => r[i]));
      for (const r of (await client.query<{ job_id: number }>(UNNEST, columns)).rows) changed.add(r.job_id);
    }
    return changed;
  }
  // The same point twice in one batch would make ON CONFLICT touch a row twice: the last one wins, as before.
  const unique = [...new Map(rows.map((r) => [`${r[0]}\u0000${r[1]}\u0000${r[2]}`, r])).values()];
  await client.query(
    `CREATE TEMP TABLE IF NOT EXISTS metric_point_in (job_id int4, name text, step int4, value float8, ts timestamptz)`,
  );
  try {
    await copyLines(client, "metric_point_in (job_id, name, step, value, ts)", unique.map(copyLine));
    for (const r of (await client.query<{ job_id: number }>(MERGE("metric_point_in t"))).rows) changed.add(r.job_id);
  } finally {
    await client.query("TRUNCATE metric_point_in");
  }
  return changed;
}
