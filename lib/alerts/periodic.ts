/**
 * Rules that no single write of the sync can decide, evaluated once a minute by graphile-worker's cron (one
 * execution per minute across all instances): `run_stuck` — a run RUNNING longer than `factor` (default 3) ×
 * the p95 duration of its pipeline's last 100 successful runs (at least 5 of them); `card_review_waiting` — a
 * model version's card in "Pending review" for longer than `days` (default 7) since the revision that asked
 * for the review. Each alert is raised once per (rule, run) or (rule, card revision) — a card sent back to
 * draft and submitted again is a new request — in one transaction with its deliveries and inbox items, as
 * lib/alerts/evaluate.ts does.
 */
import "server-only";
import type pg from "pg";
import { pool, transaction } from "@/lib/db";
import { type RuleRow, type RunRow, raiseAlert, runPayload } from "./evaluate";
import type { AlertPayload } from "./schema";

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

type CardRow = RuleRow & {
  card_id: number;
  revision: number;
  model_id: number;
  model_name: string;
  version: number;
  pipeline_id: number | null;
  pipeline_name: string | null;
  waiting_days: number;
};

const CARD_SQL = /* sql */ `
SELECT ru.id, ru.name, ru.kind, ru.params, ru.in_app, ru.quiet_start, ru.quiet_end, ru.team_id,
       c.id AS card_id, c.latest_revision AS revision, mg.id AS model_id, mg.name AS model_name, mv.version,
       p.id AS pipeline_id, p.name AS pipeline_name,
       floor(extract(epoch FROM $1::timestamp - rev.created_at) / 86400)::int AS waiting_days
  FROM alert_rule ru
  JOIN model_group mg ON (ru.pipeline_id IS NULL AND ru.team_id IS NULL) OR ru.pipeline_id = mg.pipeline_id
                      OR (ru.pipeline_id IS NULL AND ru.team_id = mg.team_id)
  LEFT JOIN pipeline p ON p.id = mg.pipeline_id
  JOIN model_version mv ON mv.model_id = mg.id
  JOIN model_card c ON c.model_version_id = mv.id AND c.status = 'PENDING_REVIEW'
  JOIN model_card_revision rev ON rev.card_id = c.id AND rev.revision = c.latest_revision
 WHERE ru.enabled AND ru.kind = 'card_review_waiting' AND (ru.muted_until IS NULL OR ru.muted_until <= $1::timestamp)
   AND rev.created_at <= $1::timestamp - make_interval(days => coalesce((ru.params ->> 'days')::int, 7))
   AND NOT EXISTS (SELECT 1 FROM alert a WHERE a.rule_id = ru.id AND a.subject = 'card:' || c.id || ':' || c.latest_revision)
 ORDER BY ru.id, c.id
 LIMIT 500`;

const minutes = (s: number) => `${Math.round(s / 60)} min`;

const publicUrl = (path: string) => {
  try {
    return new URL(path, process.env.NEXTAUTH_URL ?? `http://localhost:${process.env.PORT ?? 3000}`).toString();
  } catch {
    return path;
  }
};

export async function evaluatePeriodicAlerts({
  db = pool,
  now = new Date(),
}: {
  db?: pg.Pool;
  now?: Date;
} = {}): Promise<number[]> {
  const created: number[] = [];
  await transaction(async (client) => {
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
    const { rows: cards } = await client.query<CardRow>(CARD_SQL, [now.toISOString()]);
    for (const row of cards) {
      const title = `${row.model_name} v${row.version}: model card waiting for review for ${row.waiting_days} days`;
      const payload: AlertPayload = {
        rule: { id: row.id, name: row.name, kind: row.kind },
        pipeline: row.pipeline_id === null ? null : { id: row.pipeline_id, name: row.pipeline_name ?? "" },
        run: null,
        baseline: null,
        metric: null,
        model: {
          id: row.model_id,
          name: row.model_name,
          version: row.version,
          url: publicUrl(`/models/${row.model_id}?version=${row.version}`),
        },
        changes: [],
      };
      const id = await raiseAlert(
        client,
        row,
        {
          subject: `card:${row.card_id}:${row.revision}`,
          kind: "card_review_waiting",
          pipelineId: row.pipeline_id,
          runId: null,
          title,
          payload,
        },
        now,
      );
      if (id !== null) created.push(id);
    }
  }, db);
  return created;
}
