/**
 * Bulk, idempotent writes of described jobs: sagemaker_job rows, their final metrics (run_metric,
 * per job and the run-level copy) and their per-epoch series (metric_point), in one transaction so a
 * crash never leaves a finished job stored without its metrics (the next pass would skip it).
 *
 * Nothing unchanged is rewritten: every upsert's DO UPDATE has a WHERE … IS DISTINCT FROM guard, and a
 * job's `version` / `synced_at` move only when its data changed. The one column that moves on its own
 * is `next_poll_at` of a running job (the poll schedule), which does not bump `version`.
 *
 * Run-level metrics (scope "run"): one value per metric name per run for the evolution graph. It is
 * the training job's final value; when several training jobs of one run report the same name (a Map
 * over markets), it is their mean (job_id null, averaged in job-id order so the float sum is stable),
 * and the per-job rows (scope = job name) keep the individual values.
 *
 * A run's approximate cost (its jobs priced by lib/models/pricing.ts `jobCost`, summed exactly as the run page
 * sums them) is one more run-level metric, RUN_COST_METRIC, written here once every job of the run has settled,
 * so the metric-evolution graph's rollups (kept by triggers on run_metric) serve "cost per run" like any metric.
 */
import "server-only";
import type pg from "pg";
import { evaluateAlertsInTransaction } from "@/lib/alerts";
import { RUN_COST_METRIC } from "@/lib/metrics/direction";
import { jobCost } from "@/lib/models/pricing";
import type { SyncContext } from "../context";
import { readSql, writeTx } from "../fence";
import type { JobSnapshot } from "./describe-job";
import { TERMINAL_STATUSES } from "./kinds";
import type { SeriesPoint } from "./metric-series";
import { chunks, iso, isoUtc, NOW_UTC } from "./sql";
import { type PointRow, upsertMetricPoints } from "./write-points";

/** Where a job belongs. runId/stepId null = keep whatever link the row already has. */
export type JobLink = {
  runId: number | null;
  stepId: number | null;
  pipelineId: number | null;
  runStartedAt: Date | null;
};

/** The per-epoch series layer of a job: its state and backoff (null state: the job kind has none). */
export type SeriesWrite = {
  state: "PENDING" | "COMPLETE" | "UNAVAILABLE" | null;
  reason: string | null;
  attempts: number;
  nextAt: Date | null;
  points: SeriesPoint[] | null;
  /** The Period (seconds) `points` were read at; absent when they were not read (the stored one stays). */
  period?: number;
};

export type JobWrite = {
  job: JobSnapshot;
  link: JobLink;
  /** null when the series was not fetched (not a training job, or not available now) */
  points: SeriesPoint[] | null;
  series: SeriesWrite;
  nextPollAt: Date | null;
};

type Cols = [column: string, type: string, value: (w: JobWrite) => unknown][];

const json = (v: unknown) => JSON.stringify(v);

// Data columns: a difference in any of them is a real change (version bump, live message).
const DATA: Cols = [
  ["kind", '"JobKind"', (w) => w.job.kind],
  ["name", "text", (w) => w.job.name],
  ["status", "text", (w) => w.job.status],
  ["secondary_status", "text", (w) => w.job.secondaryStatus],
  ["status_transitions", "jsonb", (w) => json(w.job.statusTransitions)],
  ["failure_reason", "text", (w) => w.job.failureReason],
  ["hyper_parameters", "jsonb", (w) => json(w.job.hyperParameters)],
  ["algorithm_image", "text", (w) => w.job.algorithmImage],
  ["objective_metric", "text", (w) => w.job.objectiveMetric],
  ["instance_type", "text", (w) => w.job.instanceType],
  ["instance_count", "int4", (w) => w.job.instanceCount],
  ["volume_size_gb", "int4", (w) => w.job.volumeSizeGb],
  ["inputs", "jsonb", (w) => json(w.job.inputs)],
  ["outputs", "jsonb", (w) => json(w.job.outputs)],
  ["artifact_uri", "text", (w) => w.job.artifactUri],
  ["billable_seconds", "int4", (w) => w.job.billableSeconds],
  ["job_created_at", "timestamptz", (w) => iso(w.job.jobCreatedAt)],
  ["started_at", "timestamptz", (w) => iso(w.job.startedAt)],
  ["ended_at", "timestamptz", (w) => iso(w.job.endedAt)],
  // What the job panel says about the curves is data too (a change is announced).
  ["series_state", '"SeriesState"', (w) => w.series.state ?? null],
  ["series_reason", "text", (w) => w.series.reason ?? null],
  ["series_period", "int4", (w) => (w.series.points ? (w.series.period ?? null) : null)],
];
const LINK: Cols = [
  ["run_id", "int4", (w) => w.link.runId],
  ["step_id", "int4", (w) => w.link.stepId],
];
// Bookkeeping: written, but a difference alone is no change anyone sees.
const BOOKKEEPING: Cols = [
  ["next_poll_at", "timestamptz", (w) => iso(w.nextPollAt)],
  ["series_attempts", "int4", (w) => w.series.attempts ?? 0],
  ["series_next_at", "timestamptz", (w) => iso(w.series.nextAt)],
];
const ALL: Cols = [["arn", "text", (w) => w.job.arn], ...DATA, ...LINK, ...BOOKKEEPING];

const value = (column: string, type: string) =>
  type === "timestamptz" ? `(t.${column} AT TIME ZONE 'UTC')` : `t.${column}`;
// Kept when this write has none: a link found earlier, the Period of the series stored earlier.
const KEPT = new Set(["run_id", "step_id", "series_period"]);
const excluded = (column: string) =>
  KEPT.has(column) ? `COALESCE(EXCLUDED.${column}, j.${column})` : `EXCLUDED.${column}`;
const CHANGED = `(${[...DATA, ...LINK].map(([c]) => `j.${c}`).join(", ")}) IS DISTINCT FROM (${[...DATA, ...LINK]
  .map(([c]) => excluded(c))
  .join(", ")})`;

const UPSERT_JOBS = `
INSERT INTO sagemaker_job AS j (source_id, ${ALL.map(([c]) => c).join(", ")}, version, synced_at)
SELECT $1, ${ALL.map(([c, t]) => value(c, t)).join(", ")}, 1, ${NOW_UTC}
FROM unnest(${ALL.map(([, t], i) => `$${i + 2}::${t}[]`).join(", ")}) AS t(${ALL.map(([c]) => c).join(", ")})
ON CONFLICT (arn) DO UPDATE SET
  ${[...DATA, ...LINK].map(([c]) => `${c} = ${excluded(c)}`).join(",\n  ")},
  ${BOOKKEEPING.map(([c]) => `${c} = EXCLUDED.${c}`).join(",\n  ")},
  version = j.version + CASE WHEN ${CHANGED} THEN 1 ELSE 0 END,
  synced_at = CASE WHEN ${CHANGED} THEN ${NOW_UTC} ELSE j.synced_at END
WHERE ${CHANGED} OR (${BOOKKEEPING.map(([c]) => `j.${c}`).join(", ")}) IS DISTINCT FROM (${BOOKKEEPING.map(
  ([c]) => `EXCLUDED.${c}`,
).join(", ")})
RETURNING j.id, j.arn, j.version, j.run_id`;

/**
 * The end of both metric upserts: a row is rewritten only when something in it changed, and the statement
 * answers the runs whose metrics changed (each once).
 */
const UPDATE_CHANGED_METRIC = `ON CONFLICT (run_id, scope, name) DO UPDATE SET
    pipeline_id = EXCLUDED.pipeline_id, job_id = EXCLUDED.job_id, value = EXCLUDED.value,
    run_started_at = EXCLUDED.run_started_at, recorded_at = EXCLUDED.recorded_at
  WHERE (m.pipeline_id, m.job_id, m.value, m.run_started_at)
    IS DISTINCT FROM (EXCLUDED.pipeline_id, EXCLUDED.job_id, EXCLUDED.value, EXCLUDED.run_started_at)
  RETURNING m.run_id
) SELECT DISTINCT run_id FROM w`;

const UPSERT_METRICS = `
WITH w AS (
  INSERT INTO run_metric AS m (pipeline_id, run_id, job_id, scope, name, value, run_started_at, recorded_at)
  SELECT t.pipeline_id, t.run_id, t.job_id, t.scope, t.name, t.value, t.run_started_at AT TIME ZONE 'UTC', ${NOW_UTC}
  FROM unnest($1::int4[], $2::int4[], $3::int4[], $4::text[], $5::text[], $6::float8[], $7::timestamptz[])
    AS t(pipeline_id, run_id, job_id, scope, name, value, run_started_at)
  ${UPDATE_CHANGED_METRIC}`;

const UPSERT_RUN_LEVEL = `
WITH w AS (
  INSERT INTO run_metric AS m (pipeline_id, run_id, job_id, scope, name, value, run_started_at, recorded_at)
  SELECT min(x.pipeline_id), x.run_id, CASE WHEN count(*) = 1 THEN min(x.job_id) END, 'run', x.name,
         avg(x.value ORDER BY x.job_id), min(x.run_started_at), ${NOW_UTC}
  FROM run_metric x JOIN sagemaker_job j ON j.id = x.job_id AND j.kind = 'TRAINING'
  WHERE x.run_id = ANY($1::int4[]) AND x.scope <> 'run' AND x.name <> $2
  GROUP BY x.run_id, x.name
  ${UPDATE_CHANGED_METRIC}`;

type Outcome = { jobId: number; runId: number | null; version: number; changed: boolean };

/** Writes the jobs (deduplicated by ARN, last wins) and reports live changes. */
export async function writeJobs(ctx: SyncContext, input: JobWrite[]): Promise<Outcome[]> {
  const writes = [...new Map(input.map((w) => [w.job.arn, w])).values()];
  if (writes.length === 0) return [];
  const outcomes = await writeTx(ctx, `jobs ${writes.map((w) => w.job.name).join(",")}`.slice(0, 200), async (db) => {
    const arns = writes.map((w) => w.job.arn);
    const before = await db.query<{ id: number; arn: string; version: number; run_id: number | null }>(
      "SELECT id, arn, version, run_id FROM sagemaker_job WHERE arn = ANY($1::text[])",
      [arns],
    );
    const rows = new Map(before.rows.map((r) => [r.arn, { ...r, changed: false }]));
    const upserted = await db.query<{ id: number; arn: string; version: number; run_id: number | null }>(UPSERT_JOBS, [
      ctx.source.id,
      ...ALL.map(([, , get]) => writes.map(get)),
    ]);
    for (const r of upserted.rows) {
      const old = rows.get(r.arn);
      rows.set(r.arn, { ...r, changed: !old || old.version !== r.version });
    }
    const idOf = (arn: string) => rows.get(arn)?.id;

    const metricChangedRuns = await writeFinalMetrics(db, writes, idOf);
    // Only runs where a job has just been seen settled: a poll of running jobs costs no extra statement.
    const settledRuns = writes
      .filter((w) => TERMINAL_STATUSES.has(w.job.status))
      .map((w) => rows.get(w.job.arn)?.run_id ?? null);
    const jobRuns = [...new Set(settledRuns.filter((id): id is number => id !== null))];
    for (const runId of await writeRunCosts(db, jobRuns)) metricChangedRuns.add(runId);
    // Metric-regression rules (lib/alerts) see the new final metrics, and their trailing baselines, here.
    await evaluateAlertsInTransaction(db, [...metricChangedRuns], ctx.log);
    const pointJobs = await writePoints(db, writes, idOf);

    return writes.flatMap((w): (Outcome & { metricsChanged: boolean })[] => {
      const r = rows.get(w.job.arn);
      if (!r) return [];
      const runId = r.run_id;
      return [
        {
          jobId: r.id,
          runId,
          version: r.version,
          changed: r.changed,
          metricsChanged: pointJobs.has(r.id) || (runId !== null && metricChangedRuns.has(runId)),
        },
      ];
    });
  });
  await announce(ctx, outcomes);
  return outcomes;
}

/** The batch's job id by ARN (undefined: not stored). */
type IdOf = (arn: string) => number | undefined;

async function writeFinalMetrics(db: pg.PoolClient, writes: JobWrite[], idOf: IdOf): Promise<Set<number>> {
  const rows: [number, number, number, string, string, number, string][] = [];
  const runs = new Set<number>();
  for (const w of writes) {
    const jobId = idOf(w.job.arn);
    const { runId, pipelineId, runStartedAt } = w.link;
    if (jobId === undefined || runId === null || pipelineId === null || !runStartedAt) continue;
    for (const m of w.job.finalMetrics) {
      rows.push([pipelineId, runId, jobId, w.job.name, m.name, m.value, runStartedAt.toISOString()]);
      if (w.job.kind === "TRAINING") runs.add(runId);
    }
  }
  const changed = new Set<number>();
  for (const part of chunks(rows)) {
    const columns = [0, 1, 2, 3, 4, 5, 6].map((i) => part.map((r) => r[i]));
    for (const r of (await db.query<{ run_id: number }>(UPSERT_METRICS, columns)).rows) changed.add(r.run_id);
  }
  if (runs.size > 0) {
    for (const r of (await db.query<{ run_id: number }>(UPSERT_RUN_LEVEL, [[...runs], RUN_COST_METRIC])).rows) {
      changed.add(r.run_id);
    }
  }
  return changed;
}

// Per run: its jobs as the run page prices them (same columns, same ran-seconds expression), and whether every
// one has reached a final status. Runs whose jobs are all settled get their cost written.
const RUN_JOBS = `
SELECT r.id AS run_id, r.pipeline_id, ${isoUtc("r.started_at")} AS started_at,
       bool_and(j.status IN ('Completed', 'Failed', 'Stopped')) AS settled,
       json_agg(json_build_array(j.instance_type, j.instance_count, j.billable_seconds,
         extract(epoch FROM j.ended_at - j.started_at)::int) ORDER BY j.id) AS jobs
FROM run r JOIN sagemaker_job j ON j.run_id = r.id
WHERE r.id = ANY($1::int4[])
GROUP BY r.id`;

/** Writes RUN_COST_METRIC for the runs whose jobs have all settled; returns the runs whose cost changed. */
async function writeRunCosts(db: pg.PoolClient, runIds: readonly number[]): Promise<Set<number>> {
  const changed = new Set<number>();
  if (runIds.length === 0) return changed;
  const { rows } = await db.query<{
    run_id: number;
    pipeline_id: number;
    started_at: string;
    settled: boolean;
    jobs: [string | null, number | null, number | null, number | null][];
  }>(RUN_JOBS, [[...runIds]]);
  const out: [number, number, number | null, string, string, number, string][] = [];
  for (const row of rows) {
    if (!row.settled) continue;
    let usd = 0;
    let priced = 0;
    for (const [instanceType, instanceCount, billableSeconds, ranSeconds] of row.jobs) {
      const cost = jobCost({ instanceType, instanceCount, billableSeconds, ranSeconds });
      if (!cost) continue;
      usd += cost.usd;
      priced++;
    }
    if (priced > 0) out.push([row.pipeline_id, row.run_id, null, "run", RUN_COST_METRIC, usd, row.started_at]);
  }
  if (out.length === 0) return changed;
  const columns = [0, 1, 2, 3, 4, 5, 6].map((i) => out.map((r) => r[i]));
  for (const r of (await db.query<{ run_id: number }>(UPSERT_METRICS, columns)).rows) changed.add(r.run_id);
  return changed;
}

async function writePoints(db: pg.PoolClient, writes: JobWrite[], idOf: IdOf): Promise<Set<number>> {
  const rows: PointRow[] = [];
  for (const w of writes) {
    const jobId = idOf(w.job.arn);
    if (jobId === undefined || !w.points) continue;
    for (const p of w.points) rows.push([jobId, p.name, p.step, p.value, p.timestamp.toISOString()]);
  }
  return upsertMetricPoints(db, rows);
}

/** One "job" change per changed job row, one "metric" change per job whose metrics or series moved. */
async function announce(ctx: SyncContext, outcomes: (Outcome & { metricsChanged: boolean })[]): Promise<void> {
  const relevant = outcomes.filter((o) => o.runId !== null && (o.changed || o.metricsChanged));
  if (relevant.length === 0) return;
  const rows = await readSql<{ id: number; public_id: string }>(
    ctx,
    "SELECT id, public_id FROM run WHERE id = ANY($1::int4[])",
    [[...new Set(relevant.map((o) => o.runId))]],
  );
  const publicIds = new Map(rows.map((r) => [r.id, r.public_id]));
  for (const o of relevant) {
    const publicId = o.runId === null ? undefined : publicIds.get(o.runId);
    if (!publicId) continue;
    const topic = `run:${publicId}`;
    if (o.changed) ctx.changes.add({ topic, kind: "job", id: String(o.jobId), version: o.version });
    if (o.metricsChanged) ctx.changes.add({ topic, kind: "metric", id: String(o.jobId), version: o.version });
  }
}
