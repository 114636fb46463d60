/**
 * Rule evaluation, inside the transaction that commits the change (issue 18 §3): the sync calls
 * `evaluateRunAlerts` where it writes a run's new status and where it writes a run's final metrics, with its
 * own client. An alert is one row per (rule, subject) — `ON CONFLICT DO NOTHING`, so the sync seeing the same
 * run again adds nothing — and in the same transaction:
 *   - one `alert_delivery` per channel of the rule, each enqueued as a graphile-worker job
 *     (`graphile_worker.add_job`, job key = the delivery) to run at once or when the rule's quiet hours end;
 *   - inbox items for the owning team's members (rules with in-app on) and the pipeline's watchers, with a
 *     live event `inbox:<user id>` each, so the bell updates through the existing stream.
 * Nothing is sent from here: a rolled-back sync transaction leaves no alert, no job and no inbox item.
 *
 * Rules only fire for runs that started after the rule was created, so a new rule (or the demo back-fill)
 * never floods anyone with history.
 */
import "server-only";
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { getRunChanges } from "@/lib/changes/queries";
import { formatDuration } from "@/lib/format";
import { metricLabel, RUN_COST_METRIC } from "@/lib/metrics/direction";
import { regressionDepth } from "@/lib/metrics/regression";
import { runPath } from "@/lib/runs/links";
import { type AlertPayload, type RuleKind, RuleParams } from "./schema";

export const DELIVERY_TASK = "alert_delivery";
export const DELIVERY_MAX_ATTEMPTS = 8;
const FAILED = ["FAILED", "TIMED_OUT", "ABORTED"];

export type RuleRow = {
  id: number;
  name: string;
  kind: RuleKind;
  params: unknown;
  in_app: boolean;
  quiet_start: number | null;
  quiet_end: number | null;
  team_id: number | null;
};

type MetricRow = { name: string; value: number; base_value: number | null; base_n: number };

export type RunRow = {
  id: number;
  public_id: string;
  name: string;
  status: string;
  pipeline_id: number;
  pipeline_name: string;
  team_id: number | null;
  /** UTC, as stored (timestamp without time zone). */
  started_at: string;
};

const publicUrl = (path: string) => {
  const base = process.env.NEXTAUTH_URL ?? `http://localhost:${process.env.PORT ?? 3000}`;
  try {
    return new URL(path, base).toString();
  } catch {
    return path;
  }
};

/** When a delivery may go out: now, or at the end of the rule's quiet hours (minutes after midnight UTC). */
export function deliverAt(rule: Pick<RuleRow, "quiet_start" | "quiet_end">, now: Date): Date {
  const { quiet_start: start, quiet_end: end } = rule;
  if (start === null || end === null || start === end) return now;
  const minute = now.getUTCHours() * 60 + now.getUTCMinutes();
  const quiet = start < end ? minute >= start && minute < end : minute >= start || minute < end;
  if (!quiet) return now;
  const at = new Date(now);
  at.setUTCHours(Math.floor(end / 60), end % 60, 0, 0);
  if (at <= now) at.setUTCDate(at.getUTCDate() + 1);
  return at;
}

async function rulesFor(db: pg.PoolClient, run: RunRow, kinds: RuleKind[], now: Date): Promise<RuleRow[]> {
  const { rows } = await db.query<RuleRow>(
    `SELECT r.id, r.name, r.kind, r.params, r.in_app, r.quiet_start, r.quiet_end, r.team_id
       FROM alert_rule r
      WHERE r.enabled AND r.kind = ANY($1::text[])
        AND (r.muted_until IS NULL OR r.muted_until <= $2)
        AND r.created_at <= $3
        AND ((r.pipeline_id IS NULL AND r.team_id IS NULL) OR r.pipeline_id = $4
             OR (r.pipeline_id IS NULL AND r.team_id = $5))
      ORDER BY r.id`,
    [kinds, now.toISOString(), run.started_at, run.pipeline_id, run.team_id],
  );
  return rows;
}

async function loadRuns(db: pg.PoolClient, runIds: number[]): Promise<RunRow[]> {
  const { rows } = await db.query<RunRow>(
    `SELECT r.id, r.public_id, r.name, r.status::text AS status, r.pipeline_id, p.name AS pipeline_name, p.team_id,
            to_char(r.started_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS started_at
       FROM run r JOIN pipeline p ON p.id = r.pipeline_id WHERE r.id = ANY($1::int[])`,
    [runIds],
  );
  return rows;
}

/** Creates the alert (once per rule and subject) with its deliveries, jobs and inbox items; false if it existed. */
export async function raiseAlert(
  db: pg.PoolClient,
  rule: RuleRow,
  alert: {
    subject: string;
    kind: RuleKind;
    pipelineId: number | null;
    runId: number | null;
    title: string;
    payload: AlertPayload;
  },
  now: Date,
): Promise<number | null> {
  const inserted = await db.query<{ id: number }>(
    `INSERT INTO alert (rule_id, subject, kind, pipeline_id, run_id, title, payload, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)
     ON CONFLICT (rule_id, subject) DO NOTHING RETURNING id`,
    [
      rule.id,
      alert.subject,
      alert.kind,
      alert.pipelineId,
      alert.runId,
      alert.title,
      JSON.stringify(alert.payload),
      now.toISOString(),
    ],
  );
  const alertId = inserted.rows[0]?.id;
  if (alertId === undefined) return null;
  const { rows: deliveries } = await db.query<{ id: number }>(
    `INSERT INTO alert_delivery (alert_id, channel_id, idempotency_key, created_at, updated_at)
     SELECT $1, rc.channel_id, $2 || '-' || rc.channel_id, $3, $3 FROM alert_rule_channel rc WHERE rc.rule_id = $4
     RETURNING id`,
    [alertId, `${alertId}-${randomUUID()}`, now.toISOString(), rule.id],
  );
  if (deliveries.length > 0)
    await db.query(
      `SELECT graphile_worker.add_job($1, json_build_object('deliveryId', d), run_at := $2::timestamptz,
                                      max_attempts := $3, job_key := 'alert-delivery:' || d)
         FROM unnest($4::int[]) AS d`,
      [DELIVERY_TASK, deliverAt(rule, now).toISOString(), DELIVERY_MAX_ATTEMPTS, deliveries.map((d) => d.id)],
    );
  // Inbox: the owning team's members when the rule says so, and whoever watches the pipeline — one entry per
  // user and run, however many rules fire for it (the first alert stands for the run; every channel still
  // gets each rule's own delivery). A transaction lock per run orders two evaluations of the same run (its
  // end and its metrics may be written by different transactions), so the NOT EXISTS sees the other's entry.
  if (alert.runId !== null)
    await db.query("SELECT pg_advisory_xact_lock(hashtext('stepwise_inbox'), $1)", [alert.runId]);
  const { rows: users } = await db.query<{ user_id: string }>(
    `INSERT INTO inbox_item (user_id, alert_id, created_at)
     SELECT u.user_id, $1, $2 FROM (
       SELECT m.user_id FROM membership m
        WHERE $3 AND m.team_id = coalesce($4, (SELECT p.team_id FROM pipeline p WHERE p.id = $5))
       UNION
       SELECT w.user_id FROM pipeline_watch w WHERE w.pipeline_id = $5) u
      WHERE $6::int IS NULL
         OR NOT EXISTS (SELECT 1 FROM inbox_item i JOIN alert a ON a.id = i.alert_id
                         WHERE i.user_id = u.user_id AND a.run_id = $6)
     ON CONFLICT (user_id, alert_id) DO NOTHING
     RETURNING user_id`,
    [alertId, now.toISOString(), rule.in_app, rule.team_id, alert.pipelineId, alert.runId],
  );
  if (users.length > 0) {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO live_event (topic, kind, entity_id, version, created_at)
       SELECT 'inbox:' || u, 'alert', $2, 1, now() AT TIME ZONE 'UTC' FROM unnest($1::text[]) AS u RETURNING id`,
      [users.map((u) => u.user_id), String(alertId)],
    );
    const ids = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
    await db.query("SELECT pg_notify('stepwise_live', $1)", [JSON.stringify({ ids })]);
  }
  return alertId;
}

export async function runPayload(
  db: pg.PoolClient,
  run: RunRow,
  rule: RuleRow,
  extra: Partial<AlertPayload>,
): Promise<AlertPayload> {
  const changes = await getRunChanges({ id: run.public_id, db });
  return {
    rule: { id: rule.id, name: rule.name, kind: rule.kind },
    pipeline: { id: run.pipeline_id, name: run.pipeline_name },
    run: { publicId: run.public_id, name: run.name, status: run.status, url: publicUrl(runPath(run.public_id)) },
    baseline: changes?.baseline
      ? {
          publicId: changes.baseline.publicId,
          name: changes.baseline.name,
          url: publicUrl(runPath(changes.baseline.publicId)),
        }
      : null,
    metric: null,
    changes: changes?.summary ?? [],
    ...extra,
  };
}

/**
 * Whether any enabled, unmuted rule could fire for these runs: ONE read, so the sync's hot path pays a single
 * round trip when nothing matches (the usual case), and writes nothing.
 */
export async function anyRuleFor(db: pg.PoolClient, runIds: number[], now = new Date()): Promise<boolean> {
  const { rowCount } = await db.query(
    `SELECT 1 FROM run r JOIN pipeline p ON p.id = r.pipeline_id
      WHERE r.id = ANY($1::int[])
        AND EXISTS (SELECT 1 FROM alert_rule a
                     WHERE a.enabled AND a.kind IN ('run_failed', 'metric_regression', 'step_regression')
                       AND (a.muted_until IS NULL OR a.muted_until <= $2) AND a.created_at <= r.started_at
                       AND ((a.pipeline_id IS NULL AND a.team_id IS NULL) OR a.pipeline_id = r.pipeline_id
                            OR (a.pipeline_id IS NULL AND a.team_id = p.team_id)))
      LIMIT 1`,
    [runIds, now.toISOString()],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * Evaluates the run-level rules for runs whose status or final metrics the caller has just written, in the
 * caller's transaction: run failed / timed out / aborted, metric regression and step regression (once the run
 * has ended, its steps derived in the same transaction). Returns the new alerts' ids.
 */
export async function evaluateRunAlerts(
  db: pg.PoolClient,
  { runIds, now = new Date() }: { runIds: number[]; now?: Date },
): Promise<number[]> {
  if (runIds.length === 0) return [];
  const created: number[] = [];
  for (const run of await loadRuns(db, runIds)) {
    const rules = await rulesFor(db, run, ["run_failed", "metric_regression", "step_regression"], now);
    if (rules.length === 0) continue;
    let metrics: MetricRow[] | null = null;
    for (const rule of rules) {
      const params = RuleParams.parse(rule.params ?? {});
      let found: { title: string; extra: Partial<AlertPayload> } | null = null;
      if (rule.kind === "run_failed") {
        const statuses = params.statuses ?? FAILED;
        if (!statuses.includes(run.status)) continue;
        found = {
          title: `${run.pipeline_name}: run ${run.name} ${run.status.toLowerCase().replace("_", " ")}`,
          extra: {},
        };
      } else if (rule.kind === "metric_regression") {
        metrics ??= (
          await db.query<MetricRow>(
            `SELECT name, value, base_value, base_n FROM run_metric WHERE run_id = $1 AND scope = 'run' ORDER BY name`,
            [run.id],
          )
        ).rows;
        const threshold = params.thresholdPercent ?? 3;
        const worst = metrics
          // A rule that names no metric watches the model's metrics; the run's cost is watched when named.
          .filter((m) => (params.metric ? m.name === params.metric : m.name !== RUN_COST_METRIC))
          .map((m) => ({
            m,
            depth: regressionDepth({ name: m.name, value: m.value, baseValue: m.base_value, baseN: m.base_n }),
          }))
          .filter((x): x is { m: MetricRow; depth: number } => x.depth !== null && x.depth > threshold / 100)
          .sort((a, b) => b.depth - a.depth)[0];
        if (!worst) continue;
        found = {
          title: `${run.pipeline_name}: ${metricLabel(worst.m.name)} regressed in run ${run.name}`,
          extra: {
            metric: {
              name: worst.m.name,
              value: worst.m.value,
              baseline: worst.m.base_value ?? 0,
              changePercent: worst.m.base_value
                ? Math.round(((worst.m.value - worst.m.base_value) / Math.abs(worst.m.base_value)) * 1000) / 10
                : 0,
              thresholdPercent: threshold,
            },
          },
        };
      } else if (rule.kind === "step_regression") {
        if (!FINISHED.includes(run.status)) continue;
        const threshold = params.thresholdPercent ?? STEP_THRESHOLD_PERCENT;
        const worst = worstStepRegression(await stepDurations(db, run, params.step), threshold);
        if (!worst) continue;
        found = {
          title: `${run.pipeline_name}: step ${worst.key} took ${seconds(worst.value)} (baseline ${seconds(worst.baseline)}) in run ${run.name}`,
          extra: {
            metric: {
              name: `${worst.key} duration (s)`,
              value: Math.round(worst.value * 10) / 10,
              baseline: Math.round(worst.baseline * 10) / 10,
              changePercent: Math.round(worst.depth * 1000) / 10,
              thresholdPercent: threshold,
            },
          },
        };
      }
      if (!found) continue;
      const { title, extra } = found;
      const payload = await runPayload(db, run, rule, extra);
      const id = await raiseAlert(
        db,
        rule,
        { subject: `run:${run.id}`, kind: rule.kind, pipelineId: run.pipeline_id, runId: run.id, title, payload },
        now,
      );
      if (id !== null) created.push(id);
    }
  }
  return created;
}

// ───────────────────────────── step durations ─────────────────────────────

/** step_regression's default threshold: step durations vary far more than model metrics. */
export const STEP_THRESHOLD_PERCENT = 20;
/** Slower by less than this many seconds is never a regression (a 0.2 s Pass state taking 0.5 s is noise). */
export const STEP_MIN_SLOWDOWN_SECONDS = 10;
const FINISHED = ["SUCCEEDED", ...FAILED];

export type StepDuration = { key: string; value: number; baseline: number | null; n: number };

/**
 * Each succeeded step of the run with its trailing baseline: the mean duration of the same step (same key)
 * in the pipeline's previous ≤ 10 runs where it succeeded — the computation of the metric baselines
 * (`run_metric.base_value` / `base_n`) applied to step durations.
 */
async function stepDurations(db: pg.PoolClient, run: RunRow, step: string | undefined): Promise<StepDuration[]> {
  const { rows } = await db.query<StepDuration>(
    `SELECT s.key, extract(epoch FROM s.exited_at - s.entered_at)::float8 AS value, b.baseline, b.n
       FROM step s
       CROSS JOIN LATERAL (
         SELECT avg(x.d)::float8 AS baseline, count(*)::int AS n FROM (
           SELECT extract(epoch FROM ps.exited_at - ps.entered_at) AS d
             FROM run pr JOIN step ps ON ps.run_id = pr.id AND ps.key = s.key
            WHERE pr.pipeline_id = $2 AND pr.started_at < $3::timestamp AND pr.id <> $1
              AND ps.status = 'SUCCEEDED' AND ps.exited_at IS NOT NULL
            ORDER BY pr.started_at DESC LIMIT 10) x) b
      WHERE s.run_id = $1 AND s.status = 'SUCCEEDED' AND s.exited_at IS NOT NULL
        AND ($4::text IS NULL OR s.key = $4 OR s.state_name = $4)`,
    [run.id, run.pipeline_id, run.started_at, step ?? null],
  );
  return rows;
}

/** The step slowed down most beyond the threshold (lib/metrics/regression.ts: duration is lower-is-better). */
export function worstStepRegression(
  steps: StepDuration[],
  thresholdPercent: number,
): (StepDuration & { baseline: number; depth: number }) | null {
  let worst: (StepDuration & { baseline: number; depth: number }) | null = null;
  for (const s of steps) {
    const depth = regressionDepth({ name: "duration", value: s.value, baseValue: s.baseline, baseN: s.n });
    if (depth === null || s.baseline === null || depth <= thresholdPercent / 100) continue;
    if (s.value - s.baseline < STEP_MIN_SLOWDOWN_SECONDS) continue;
    if (!worst || depth > worst.depth) worst = { ...s, baseline: s.baseline, depth };
  }
  return worst;
}

const seconds = (s: number) => formatDuration(s * 1000);
