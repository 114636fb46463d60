/**
 * Map Runs of distributed Map states. A distributed Map's iterations are child executions: the parent's
 * history only says MapRunStarted / MapRunSucceeded (with the Map Run's ARN, which the derivation keeps as
 * the Map step's resource), so without this the run page could only say "Not started" for work that ran.
 * After a run's steps are written, every Map Run not yet stored, still RUNNING, or whose Map step moved
 * since (a redrive) is described (DescribeMapRun, under the object's backoff like every optional call) and
 * upserted into `map_run` only when its answer changed. The child executions are listed on demand by the run
 * page (ListExecutions by mapRunArn), not stored: a Map Run may have thousands.
 */
import { DescribeMapRunCommand, type DescribeMapRunCommandOutput } from "@aws-sdk/client-sfn";
import type { SyncContext } from "./context";
import { guarded } from "./degrade";
import { dbOf, writeTx } from "./fence";

const OPERATION = "states:DescribeMapRun";

/** Describes and stores the run's Map Runs that may have changed. Returns how many rows changed. */
export async function syncMapRuns(
  ctx: SyncContext,
  run: { runId: number; publicId: string; version?: number },
): Promise<number> {
  const { rows } = await dbOf(ctx).query<{ key: string; arn: string }>(
    `SELECT s.key, s.resource AS arn
       FROM step s LEFT JOIN map_run m ON m.map_run_arn = s.resource
      WHERE s.run_id = $1 AND s.resource_type = 'mapRun' AND s.resource IS NOT NULL
        AND (m.id IS NULL OR m.status = 'RUNNING' OR s.status = 'RUNNING'
             OR m.synced_at < coalesce(s.exited_at, s.entered_at))
      ORDER BY s.entered_event_id`,
    [run.runId],
  );
  let changed = 0;
  for (const row of rows) {
    const r = await guarded(ctx, { operation: OPERATION, object: row.arn, runId: run.runId }, () =>
      ctx.clients.sfn.send(new DescribeMapRunCommand({ mapRunArn: row.arn }), { abortSignal: ctx.signal }),
    );
    if (!r.ok) continue; // backed off or given up: the page shows the Map step without its counts
    if (await writeMapRun(ctx, run.runId, row.key, r.value)) changed++;
  }
  if (changed > 0) {
    ctx.changes.add({ topic: `run:${run.publicId}`, kind: "run", id: run.publicId, version: run.version ?? 0 });
  }
  return changed;
}

const iso = (d: Date | undefined) => (d ? d.toISOString() : null);

async function writeMapRun(
  ctx: SyncContext,
  runId: number,
  stepKey: string,
  d: DescribeMapRunCommandOutput,
): Promise<boolean> {
  if (!d.mapRunArn || !d.status || !d.startDate) return false;
  const rows = await writeTx(ctx, `map run ${d.mapRunArn}`, async (client) => {
    const r = await client.query(
      `INSERT INTO map_run AS m (run_id, step_key, map_run_arn, status, started_at, stopped_at, max_concurrency,
          tolerated_failure_percentage, tolerated_failure_count, item_counts, execution_counts, redrive_count,
          redrive_date, synced_at)
       VALUES ($1, $2, $3, $4, $5::timestamp, $6::timestamp, $7, $8, $9, $10::jsonb, $11::jsonb, $12, $13::timestamp,
               now() AT TIME ZONE 'UTC')
       ON CONFLICT (map_run_arn) DO UPDATE SET run_id = excluded.run_id, step_key = excluded.step_key,
          status = excluded.status, started_at = excluded.started_at, stopped_at = excluded.stopped_at,
          max_concurrency = excluded.max_concurrency,
          tolerated_failure_percentage = excluded.tolerated_failure_percentage,
          tolerated_failure_count = excluded.tolerated_failure_count, item_counts = excluded.item_counts,
          execution_counts = excluded.execution_counts, redrive_count = excluded.redrive_count,
          redrive_date = excluded.redrive_date, synced_at = excluded.synced_at
        WHERE (m.run_id, m.step_key, m.status, m.started_at, m.stopped_at, m.max_concurrency,
               m.tolerated_failure_percentage, m.tolerated_failure_count, m.item_counts, m.execution_counts,
               m.redrive_count, m.redrive_date)
              IS DISTINCT FROM
              (excluded.run_id, excluded.step_key, excluded.status, excluded.started_at, excluded.stopped_at,
               excluded.max_concurrency, excluded.tolerated_failure_percentage, excluded.tolerated_failure_count,
               excluded.item_counts, excluded.execution_counts, excluded.redrive_count, excluded.redrive_date)
       RETURNING id`,
      [
        runId,
        stepKey,
        d.mapRunArn,
        d.status,
        iso(d.startDate),
        iso(d.stopDate),
        d.maxConcurrency ?? 0,
        d.toleratedFailurePercentage ?? 0,
        Math.min(d.toleratedFailureCount ?? 0, 2_147_483_647),
        JSON.stringify(d.itemCounts ?? {}),
        JSON.stringify(d.executionCounts ?? {}),
        d.redriveCount ?? 0,
        iso(d.redriveDate),
      ],
    );
    if ((r.rowCount ?? 0) === 0) {
      // Unchanged: only note that it was looked at, so a settled Map Run is not described again.
      await client.query("UPDATE map_run SET synced_at = now() AT TIME ZONE 'UTC' WHERE map_run_arn = $1", [
        d.mapRunArn,
      ]);
    }
    return r.rowCount ?? 0;
  });
  return rows > 0;
}
