/**
 * SageMaker jobs of Step Functions steps: describe, store, link to the step, final metrics — and, as an
 * optional layer on top, the per-epoch series. Entry points share one path (describe → series → one bulk
 * transaction):
 * - `syncJobsForSteps`, called by the core after it derived a run's steps;
 * - `pollRunningJobs`, the safety net for jobs still running (next_poll_at schedule);
 * - `syncPendingSeries`, finished training jobs whose series is still to fetch (its own backoff);
 * - `syncJobByName`, the EventBridge "SageMaker Training Job State Change" event.
 *
 * Jobs first: a job is stored with everything Describe*Job returns whatever happens to its series. The
 * series (CloudWatch GetMetricData) has its own state per job — PENDING, COMPLETE, or UNAVAILABLE with a
 * reason — and its own backoff. A denied or unknown GetMetricData is a gap of the whole source
 * (lib/sync/degrade.ts): no CloudWatch call for that source until the gap's probe is due, and when the
 * probe succeeds the jobs it held back are fetched again.
 *
 * A describe that fails is backed off per job (and given up when the job is gone or in another account),
 * so a pass never repeats the same failing call; the run waiting on it is not re-synced in between.
 *
 * AWS cost: a finished job already linked to its step is never described again; a running job is
 * described by the poller on its schedule, not again by every pass over its run.
 */

import "server-only";
import type { SyncContext } from "../context";
import {
  classifyError,
  clearGap,
  describeGap,
  gapInForce,
  gapOf,
  giveUp,
  guarded,
  loadBackoffs,
  MAX_ATTEMPTS,
  objectBlocked,
  recordGap,
} from "../degrade";
import { readSql, writeSql } from "../fence";
import { describeJob, type JobSnapshot } from "./describe-job";
import { type JobKind, jobOfStep, TERMINAL_STATUSES } from "./kinds";
import { fetchTrainingSeries } from "./metric-series";
import { errorMessage, isoUtc, mapLimit, NOW_UTC } from "./sql";
import { type JobLink, type JobWrite, type SeriesWrite, writeJobs } from "./write-jobs";

/** How often a running job is re-described by the poller. */
export const RUNNING_POLL_MS = 15_000;
/** Describe calls in flight per sync call (the core's token buckets still apply underneath). */
const CONCURRENCY = 4;
/** Jobs re-described per `pollRunningJobs` call. */
const POLL_BATCH = 200;
/** Finished jobs whose series is fetched again per pass. */
const SERIES_BATCH = 50;
const SERIES_BASE_MS = 60_000;
const SERIES_CAP_MS = 6 * 3_600_000;

export const GET_METRIC_DATA = "cloudwatch:GetMetricData";

/** The IAM action of each kind's describe call (the key of its backoff rows). */
export const DESCRIBE_ACTION: Record<JobKind, string> = {
  TRAINING: "sagemaker:DescribeTrainingJob",
  PROCESSING: "sagemaker:DescribeProcessingJob",
  TRANSFORM: "sagemaker:DescribeTransformJob",
  TUNING: "sagemaker:DescribeHyperParameterTuningJob",
};

export type SyncJobsInput = {
  runId: number;
  pipelineId: number;
  runStartedAt: Date;
  steps: {
    stepId: number;
    jobName: string | null;
    jobArn: string | null;
    resource: string | null;
    /** The step has exited. */
    ended: boolean;
  }[];
};

/**
 * A `.sync` task (createTrainingJob.sync and the like) exits only once its job has: its step's end says the
 * job has finished, whatever the job row last read. Without `.sync` the step exits as soon as the job exists.
 */
const waitsForJob = (resource: string | null) => /\.sync(?::\d+)?$/.test(resource ?? "");

type Target = { kind: JobKind; name: string; link: JobLink };
type StepTarget = Target & { arn: string | null; jobEnded: boolean };

const ARN_TYPE: Record<JobKind, string> = {
  TRAINING: "training-job",
  PROCESSING: "processing-job",
  TRANSFORM: "transform-job",
  TUNING: "hyper-parameter-tuning-job",
};

/** The ARN AWS gives a job of this source (names are lower-cased in ARNs). */
function expectedArn(ctx: SyncContext, kind: JobKind, name: string): string {
  const { region, accountId } = ctx.source;
  const partition = region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
  return `arn:${partition}:sagemaker:${region}:${accountId}:${ARN_TYPE[kind]}/${name.toLowerCase()}`;
}

/** Account and region of a job ARN, when the step reported one. */
function arnHome(arn: string | null): { region: string; account: string } | null {
  const m = arn ? /^arn:aws[\w-]*:sagemaker:([^:]*):(\d{12}):/.exec(arn) : null;
  return m ? { region: m[1] ?? "", account: m[2] ?? "" } : null;
}

export async function syncJobsForSteps(ctx: SyncContext, input: SyncJobsInput): Promise<void> {
  await loadBackoffs(ctx);
  const link = { runId: input.runId, pipelineId: input.pipelineId, runStartedAt: input.runStartedAt };
  const byKey = new Map<string, StepTarget>();
  for (const step of input.steps) {
    const job = jobOfStep(step);
    if (!job) continue;
    const home = arnHome(step.jobArn);
    if (home && (home.account !== ctx.source.accountId || home.region !== ctx.source.region)) {
      // A job in another account or region (a cross-account task): this source's role cannot describe it.
      await giveUp(ctx, {
        operation: DESCRIBE_ACTION[job.kind],
        object: job.name,
        runId: input.runId,
        kind: "elsewhere",
        message: `${step.jobArn} is in account ${home.account} (${home.region}); this source reads ${ctx.source.accountId} (${ctx.source.region})`,
      });
      continue;
    }
    byKey.set(`${job.kind}/${job.name.toLowerCase()}`, {
      ...job,
      arn: step.jobArn,
      link: { ...link, stepId: step.stepId },
      jobEnded: step.ended && waitsForJob(step.resource),
    });
  }
  if (byKey.size === 0) return;
  const targets = [...byKey.values()];
  const arns = targets.flatMap((t) => [expectedArn(ctx, t.kind, t.name), ...(t.arn ? [t.arn] : [])]);
  const known = await readSql<{
    kind: JobKind;
    name: string;
    status: string;
    run_id: number | null;
    step_id: number | null;
    poll_pending: boolean;
  }>(
    ctx,
    `SELECT kind, name, status, run_id, step_id, COALESCE(next_poll_at > ${NOW_UTC}, false) AS poll_pending
     FROM sagemaker_job WHERE source_id = $1 AND (run_id = $2 OR arn = ANY($3::text[]))`,
    [ctx.source.id, input.runId, arns],
  );
  const existing = new Map(known.map((k) => [`${k.kind}/${k.name.toLowerCase()}`, k]));
  const due = targets.filter((t) => {
    const row = existing.get(`${t.kind}/${t.name.toLowerCase()}`);
    if (!row || row.run_id !== t.link.runId || row.step_id !== t.link.stepId) return true;
    // Linked: a finished job never changes again; a running one is the poller's until its next turn, unless
    // its step has ended, which says it has finished too: read now, so the run page and the model card show
    // its end, billable time and cost with the run's end rather than up to a poll interval later.
    return !TERMINAL_STATUSES.has(row.status) && (!row.poll_pending || t.jobEnded);
  });
  await describeAndWrite(ctx, due);
}

export async function pollRunningJobs(ctx: SyncContext): Promise<number> {
  await loadBackoffs(ctx);
  const rows = await readSql<{
    kind: JobKind;
    name: string;
    run_id: number | null;
    step_id: number | null;
    pipeline_id: number | null;
    run_started_at: string | null;
  }>(
    ctx,
    `SELECT j.kind, j.name, j.run_id, j.step_id, r.pipeline_id, ${isoUtc("r.started_at")} AS run_started_at
     FROM sagemaker_job j LEFT JOIN run r ON r.id = j.run_id
     WHERE j.source_id = $1 AND j.status IN ('InProgress', 'Stopping')
       AND (j.next_poll_at IS NULL OR j.next_poll_at <= ${NOW_UTC})
       AND NOT EXISTS (SELECT 1 FROM sync_backoff b WHERE b.source_id = j.source_id AND b.object = j.name
                         AND b.operation LIKE 'sagemaker:Describe%' AND b.gave_up_at IS NOT NULL)
     ORDER BY j.next_poll_at NULLS FIRST, j.id
     LIMIT ${POLL_BATCH}`,
    [ctx.source.id],
  );
  const targets: Target[] = rows.map((r) => ({
    kind: r.kind,
    name: r.name,
    link: {
      runId: r.run_id,
      stepId: r.step_id,
      pipelineId: r.pipeline_id,
      runStartedAt: r.run_started_at ? new Date(r.run_started_at) : null,
    },
  }));
  const { failed } = await describeAndWrite(ctx, targets);
  // A job that cannot be described now (deleted, no permission, failing) waits for its backoff, so it does
  // not take every poll's budget.
  const waiting = failed
    .map((t) => ({ t, row: objectBlocked(ctx, DESCRIBE_ACTION[t.kind], t.name) }))
    .filter((x) => x.row?.nextAttemptAt);
  if (waiting.length > 0) {
    await writeSql(
      ctx,
      "jobs backoff",
      `UPDATE sagemaker_job j SET next_poll_at = t.at AT TIME ZONE 'UTC'
       FROM unnest($2::text[], $3::timestamptz[]) AS t(name, at)
       WHERE j.source_id = $1 AND j.name = t.name AND j.status IN ('InProgress', 'Stopping')`,
      [ctx.source.id, waiting.map((x) => x.t.name), waiting.map((x) => x.row?.nextAttemptAt?.toISOString())],
    );
  }
  return targets.length - failed.length;
}

/**
 * Finished training jobs whose series is still PENDING (a CloudWatch error backed off) are described and
 * fetched again when due. While GetMetricData is a gap of the source, nothing is called; when the gap's
 * probe is due, one job is tried, and if it succeeds every job the gap held back is PENDING again.
 */
export async function syncPendingSeries(ctx: SyncContext): Promise<number> {
  await loadBackoffs(ctx);
  if (gapInForce(ctx, GET_METRIC_DATA)) return 0;
  const probe = gapOf(ctx, GET_METRIC_DATA);
  const now = (ctx.now?.() ?? new Date()).toISOString();
  const rows = await readSql<{ kind: JobKind; name: string }>(
    ctx,
    probe
      ? `SELECT kind, name FROM sagemaker_job
          WHERE source_id = $1 AND kind = 'TRAINING' AND status IN ('Completed', 'Failed', 'Stopped')
            AND series_state IN ('PENDING', 'UNAVAILABLE') AND $2::text IS NOT NULL
          ORDER BY series_state, id LIMIT 1`
      : `SELECT kind, name FROM sagemaker_job
          WHERE source_id = $1 AND kind = 'TRAINING' AND series_state = 'PENDING'
            AND status IN ('Completed', 'Failed', 'Stopped')
            AND (series_next_at IS NULL OR series_next_at <= $2::timestamptz AT TIME ZONE 'UTC')
          ORDER BY series_next_at NULLS FIRST, id LIMIT ${SERIES_BATCH}`,
    [ctx.source.id, now],
  );
  const targets: Target[] = rows.map((r) => ({
    kind: r.kind,
    name: r.name,
    link: { runId: null, stepId: null, pipelineId: null, runStartedAt: null },
  }));
  await describeAndWrite(ctx, targets);
  if (probe && !gapOf(ctx, GET_METRIC_DATA)) {
    // The probe worked: what the gap made unavailable is to fetch again.
    await writeSql(
      ctx,
      "series pending again",
      `UPDATE sagemaker_job SET series_state = 'PENDING', series_reason = NULL, series_attempts = 0,
              series_next_at = NULL
        WHERE source_id = $1 AND kind = 'TRAINING' AND series_state = 'UNAVAILABLE' AND series_reason = ANY($2::text[])`,
      [ctx.source.id, [describeGap(GET_METRIC_DATA, "denied"), describeGap(GET_METRIC_DATA, "unsupported")]],
    );
  }
  return targets.length;
}

/** EventBridge push: describe one job and link it to the step that started it, if that step is known. */
export async function syncJobByName(ctx: SyncContext, input: { kind: JobKind; name: string }): Promise<void> {
  await loadBackoffs(ctx);
  const [step] = await readSql<{ step_id: number; run_id: number; pipeline_id: number; run_started_at: string }>(
    ctx,
    `SELECT s.id AS step_id, s.run_id, r.pipeline_id, ${isoUtc("r.started_at")} AS run_started_at
     FROM step s JOIN run r ON r.id = s.run_id JOIN pipeline p ON p.id = r.pipeline_id
     WHERE s.job_name = $1 AND p.source_id = $2
     ORDER BY s.id DESC LIMIT 1`,
    [input.name, ctx.source.id],
  );
  const link: JobLink = step
    ? {
        runId: step.run_id,
        stepId: step.step_id,
        pipelineId: step.pipeline_id,
        runStartedAt: new Date(step.run_started_at),
      }
    : { runId: null, stepId: null, pipelineId: null, runStartedAt: null };
  if (!step) {
    // Not linked yet: keep the link (and run) the row may already have, so its metrics stay the run's.
    const [row] = await readSql<{
      run_id: number;
      step_id: number | null;
      pipeline_id: number;
      run_started_at: string;
    }>(
      ctx,
      `SELECT j.run_id, j.step_id, r.pipeline_id, ${isoUtc("r.started_at")} AS run_started_at
       FROM sagemaker_job j JOIN run r ON r.id = j.run_id WHERE j.source_id = $1 AND j.kind = $2::"JobKind" AND j.name = $3`,
      [ctx.source.id, input.kind, input.name],
    );
    if (row)
      Object.assign(link, {
        runId: row.run_id,
        stepId: row.step_id,
        pipelineId: row.pipeline_id,
        runStartedAt: new Date(row.run_started_at),
      });
  }
  await describeAndWrite(ctx, [{ ...input, link }]);
}

/**
 * The series of a described training job: fetched unless GetMetricData is a gap of the source; a permission
 * error makes it a gap, any other error backs the job's series off (UNAVAILABLE after MAX_ATTEMPTS).
 */
async function seriesOf(ctx: SyncContext, job: JobSnapshot, attempts: number): Promise<SeriesWrite> {
  if (job.kind !== "TRAINING") return { state: null, reason: null, attempts: 0, nextAt: null, points: null };
  const gap = gapInForce(ctx, GET_METRIC_DATA);
  if (gap) {
    return {
      state: "UNAVAILABLE",
      reason: describeGap(GET_METRIC_DATA, gap.reason),
      attempts,
      nextAt: null,
      points: null,
    };
  }
  try {
    const { points, period } = await fetchTrainingSeries(ctx, job);
    await clearGap(ctx, GET_METRIC_DATA);
    const done = TERMINAL_STATUSES.has(job.status);
    return { state: done ? "COMPLETE" : "PENDING", reason: null, attempts: 0, nextAt: null, points, period };
  } catch (error) {
    if (ctx.signal?.aborted) throw error;
    const kind = classifyError(error);
    if (kind === "denied" || kind === "unsupported") {
      await recordGap(ctx, GET_METRIC_DATA, kind, errorMessage(error));
      return {
        state: "UNAVAILABLE",
        reason: describeGap(GET_METRIC_DATA, kind),
        attempts,
        nextAt: null,
        points: null,
      };
    }
    const tries = attempts + 1;
    ctx.log.warn("sagemaker: metric series failed; the job is stored, its series retried later", {
      job: job.name,
      attempts: tries,
      error: errorMessage(error),
    });
    if (tries >= MAX_ATTEMPTS) {
      return {
        state: "UNAVAILABLE",
        reason: `${GET_METRIC_DATA} kept failing: ${errorMessage(error)}`.slice(0, 500),
        attempts: tries,
        nextAt: null,
        points: null,
      };
    }
    const now = ctx.now?.() ?? new Date();
    const wait = Math.min(SERIES_CAP_MS, SERIES_BASE_MS * 2 ** (tries - 1));
    return { state: "PENDING", reason: null, attempts: tries, nextAt: new Date(now.getTime() + wait), points: null };
  }
}

async function describeAndWrite(ctx: SyncContext, targets: Target[]): Promise<{ failed: Target[] }> {
  const failed: Target[] = [];
  if (targets.length === 0) return { failed };
  const training = targets.filter((t) => t.kind === "TRAINING").map((t) => t.name);
  const priorAttempts = new Map(
    training.length === 0
      ? []
      : (
          await readSql<{ name: string; series_attempts: number }>(
            ctx,
            "SELECT name, series_attempts FROM sagemaker_job WHERE source_id = $1 AND kind = 'TRAINING' AND name = ANY($2::text[])",
            [ctx.source.id, training],
          )
        ).map((r) => [r.name, r.series_attempts]),
  );
  const results = await mapLimit(targets, CONCURRENCY, async (target): Promise<JobWrite | null> => {
    if (ctx.signal?.aborted) return null;
    const described = await guarded(
      ctx,
      { operation: DESCRIBE_ACTION[target.kind], object: target.name, runId: target.link.runId },
      () => describeJob(ctx, target.kind, target.name),
    );
    if (!described.ok) {
      failed.push(target);
      return null;
    }
    const job = described.value;
    const series = await seriesOf(ctx, job, priorAttempts.get(job.name) ?? 0);
    const running = !TERMINAL_STATUSES.has(job.status);
    return {
      job,
      link: target.link,
      points: series.points,
      series,
      // The poll schedule runs on the database's clock (pollRunningJobs compares with now()).
      nextPollAt: running ? new Date(Date.now() + RUNNING_POLL_MS) : null,
    };
  });
  if (ctx.signal?.aborted) throw ctx.signal.reason ?? new Error("sync aborted");
  const writes = results.filter((w): w is JobWrite => w !== null);
  try {
    await writeJobs(ctx, writes);
  } catch (error) {
    if (ctx.signal?.aborted) throw error;
    if (writes.length <= 1) {
      if (writes[0]) failed.push(targetOf(writes[0]));
      ctx.log.warn("sagemaker: storing job failed; job skipped", {
        jobs: writes.map((w) => w.job.name),
        error: errorMessage(error),
      });
      return { failed };
    }
    // One job with data Postgres refuses (say a NUL byte in a text) must not sink the others: retry alone.
    for (const w of writes) {
      try {
        await writeJobs(ctx, [w]);
      } catch (single) {
        if (ctx.signal?.aborted) throw single;
        failed.push(targetOf(w));
        ctx.log.warn("sagemaker: storing job failed; job skipped", { job: w.job.name, error: errorMessage(single) });
      }
    }
  }
  return { failed };
}

const targetOf = (w: JobWrite): Target => ({ kind: w.job.kind, name: w.job.name, link: w.link });
