/**
 * Rules that no single write of the sync can decide, evaluated once a minute by graphile-worker's cron (one
 * execution per minute across all instances): `run_stuck` — a run RUNNING longer than `factor` (default 3) ×
 * the p95 duration of its pipeline's last 100 successful runs (at least 5 of them). Each alert is raised once
 * per (rule, run) in one transaction with its deliveries and inbox items, as lib/alerts/evaluate.ts does.
 */
import "server-only";
import type pg from "pg";
import { pool } from "@/lib/db";
import { type RuleRow, type RunRow, raiseAlert, runPayload } from "./evaluate";

export const PERIODIC_TASK = "alert_periodic";

type StuckRow = RuleRow & { run: RunRow; running_s: number; p95_s: number; factor: number };

const STUCK_SQL = /* sql */ `
SELECT ru.id, ru.name, ru.kind, ru.params, ru.in_app, ru.quiet_start, ru.quiet_end, ru.team_id,
       json_build_object('id', r.id, 'public_id', r.public_id, 'name', r.name, 'status', r.status,
                         'pipeline_id', p.id, 'pipeline_name', p.name, 'team_id', p.team_id,
                         'started_at', to_char(r.started_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS')) AS run,
       extract(epoch FROM $1::timestamp - r.started_at)::float8 AS running_s, d.p95 AS p95_s,
       coalesce((ru.params ->> 'factor')::float8, 3) AS factor
  FROM alert_rule ru
  JOIN pipeline p ON (ru.pipeline_id IS NULL AND ru.team_id IS NULL) OR ru.pipeline_id = p.id
                  OR (ru.pipeline_id IS NULL AND ru.team_id = p.team_id)
  JOIN run r ON r.pipeline_id = p.id AND r.status = 'RUNNING' AND r.started_at >= ru.created_at
  CROSS JOIN LATERAL (
    SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM x.stopped_at - x.started_at))::float8 AS p95,
           count(*) AS n
      FROM (SELECT s.started_at, s.stopped_at FROM run s
             WHERE s.pipeline_id = p.id AND s.status = 'SUCCEEDED' AND s.stopped_at IS NOT NULL
             ORDER BY s.started_at DESC LIMIT 100) x) d
 WHERE ru.enabled AND ru.kind = 'run_stuck' AND (ru.muted_until IS NULL OR ru.muted_until <= $1::timestamp)
   AND d.n >= 5 AND extract(epoch FROM $1::timestamp - r.started_at) > coalesce((ru.params ->> 'factor')::float8, 3) * d.p95
   AND NOT EXISTS (SELECT 1 FROM alert a WHERE a.rule_id = ru.id AND a.subject = 'run:' || r.id)
 ORDER BY ru.id, r.id
 LIMIT 500`;

const minutes = (s: number) => `${Math.round(s / 60)} min`;

export async function evaluatePeriodicAlerts({
  db = pool,
  now = new Date(),
}: {
  db?: pg.Pool;
  now?: Date;
} = {}): Promise<number[]> {
  const client = await db.connect();
  const created: number[] = [];
  try {
    await client.query("BEGIN");
    const { rows } = await client.query<StuckRow>(STUCK_SQL, [now.toISOString()]);
    for (const row of rows) {
      const { run } = row;
      const title = `${run.pipeline_name}: run ${run.name} running for ${minutes(row.running_s)} (${row.factor} × p95 ${minutes(row.p95_s)})`;
      const payload = await runPayload(client, run, row, {});
      const id = await raiseAlert(
        client,
        row,
        { subject: `run:${run.id}`, kind: "run_stuck", pipelineId: run.pipeline_id, runId: run.id, title, payload },
        now,
      );
      if (id !== null) created.push(id);
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  return created;
}
