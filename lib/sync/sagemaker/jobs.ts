/**
 * SageMaker jobs of Step Functions steps: describe, store, link to the step, final metrics and
 * per-epoch series. Three entry points share one path (describe → series → one bulk transaction):
 * - `syncJobsForSteps`, called by the core after it derived a run's steps;
 * - `pollRunningJobs`, the safety net for jobs still running (next_poll_at schedule);
 * - `syncJobByName`, the EventBridge "SageMaker Training Job State Change" route.
 *
 * AWS cost: a finished job already linked to its step is never described again; a running job is
 * described by the poller on its schedule, not again by every pass over its run.
 */

import "server-only";
import { sql } from "@/lib/db";
import type { SyncContext } from "../context";
import { describeJob, type JobSnapshot } from "./describe-job";
import { type JobKind, jobOfStep, TERMINAL_STATUSES } from "./kinds";
import { fetchTrainingSeries, type SeriesPoint } from "./metric-series";
import { errorMessage, errorName, isoUtc, mapLimit, NOW_UTC } from "./sql";
import { type JobLink, type JobWrite, writeJobs } from "./write-jobs";

/** How often a running job is re-described by the poller. */
export const RUNNING_POLL_MS = 15_000;
/** After a failed describe, the poller leaves the job alone this long. */
const FAILED_POLL_BACKOFF_MS = 5 * 60_000;
/** Describe calls in flight per sync call (the core's token buckets still apply underneath). */
const CONCURRENCY = 4;
/** Jobs re-described per `pollRunningJobs` call. */
const POLL_BATCH = 200;

export type SyncJobsInput = {
  runId: number;
  pipelineId: number;
  runStartedAt: Date;
  steps: { stepId: number; jobName: string | null; jobArn: string | null; resource: string | null }[];
};

type Target = { kind: JobKind; name: string; link: JobLink };

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

export async function syncJobsForSteps(ctx: SyncContext, input: SyncJobsInput): Promise<void> {
  const link = { runId: input.runId, pipelineId: input.pipelineId, runStartedAt: input.runStartedAt };
  const byKey = new Map<string, Target & { arn: string | null }>();
  for (const step of input.steps) {
    const job = jobOfStep(step);
    if (!job) continue;
    byKey.set(`${job.kind}/${job.name.toLowerCase()}`, {
      ...job,
      arn: step.jobArn,
      link: { ...link, stepId: step.stepId },
    });
  }
  if (byKey.size === 0) return;
  const targets = [...byKey.values()];
  const arns = targets.flatMap((t) => [expectedArn(ctx, t.kind, t.name), ...(t.arn ? [t.arn] : [])]);
  const known = await sql<{
    kind: JobKind;
    name: string;
    status: string;
    run_id: number | null;
    step_id: number | null;
    poll_pending: boolean;
  }>(
    `SELECT kind, name, status, run_id, step_id, COALESCE(next_poll_at > ${NOW_UTC}, false) AS poll_pending
     FROM sagemaker_job WHERE source_id = $1 AND (run_id = $2 OR arn = ANY($3::text[]))`,
    [ctx.source.id, input.runId, arns],
  );
  const existing = new Map(known.map((k) => [`${k.kind}/${k.name.toLowerCase()}`, k]));
  const due = targets.filter((t) => {
    const row = existing.get(`${t.kind}/${t.name.toLowerCase()}`);
    if (!row || row.run_id !== t.link.runId || row.step_id !== t.link.stepId) return true;
    // Linked: a finished job never changes again; a running one is the poller's until its next turn.
    return !TERMINAL_STATUSES.has(row.status) && !row.poll_pending;
  });
  await describeAndWrite(ctx, due);
}

export async function pollRunningJobs(ctx: SyncContext): Promise<number> {
  const rows = await sql<{
    kind: JobKind;
    name: string;
    run_id: number | null;
    step_id: number | null;
    pipeline_id: number | null;
    run_started_at: string | null;
  }>(
    `SELECT j.kind, j.name, j.run_id, j.step_id, r.pipeline_id, ${isoUtc("r.started_at")} AS run_started_at
     FROM sagemaker_job j LEFT JOIN run r ON r.id = j.run_id
     WHERE j.source_id = $1 AND j.status IN ('InProgress', 'Stopping')
       AND (j.next_poll_at IS NULL OR j.next_poll_at <= ${NOW_UTC})
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
  if (failed.length > 0) {
    // Keep a job that cannot be described (deleted, no permission) from taking every poll's budget.
    await sql(
      `UPDATE sagemaker_job SET next_poll_at = ${NOW_UTC} + make_interval(secs => $3)
       WHERE source_id = $1 AND name = ANY($2::text[]) AND status IN ('InProgress', 'Stopping')`,
      [ctx.source.id, failed.map((t) => t.name), FAILED_POLL_BACKOFF_MS / 1000],
    );
  }
  return targets.length - failed.length;
}

/** EventBridge push: describe one job and link it to the step that started it, if that step is known. */
export async function syncJobByName(ctx: SyncContext, input: { kind: JobKind; name: string }): Promise<void> {
  const [step] = await sql<{ step_id: number; run_id: number; pipeline_id: number; run_started_at: string }>(
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
    const [row] = await sql<{ run_id: number; step_id: number | null; pipeline_id: number; run_started_at: string }>(
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

async function describeAndWrite(ctx: SyncContext, targets: Target[]): Promise<{ failed: Target[] }> {
  const failed: Target[] = [];
  const results = await mapLimit(targets, CONCURRENCY, async (target): Promise<JobWrite | null> => {
    if (ctx.signal?.aborted) return null;
    let job: JobSnapshot;
    try {
      job = await describeJob(ctx, target.kind, target.name);
    } catch (error) {
      failed.push(target);
      ctx.log.warn("sagemaker: describe failed; job skipped", {
        kind: target.kind,
        job: target.name,
        runId: target.link.runId,
        error: errorMessage(error),
        errorName: errorName(error),
      });
      return null;
    }
    let points: SeriesPoint[] | null = null;
    if (job.kind === "TRAINING") {
      try {
        points = await fetchTrainingSeries(ctx, job);
      } catch (error) {
        // Without its series a finished job must not be stored as finished (it would never be fetched
        // again): skip the whole job, the next pass retries it.
        failed.push(target);
        ctx.log.warn("sagemaker: metric series failed; job skipped", {
          job: job.name,
          runId: target.link.runId,
          error: errorMessage(error),
          errorName: errorName(error),
        });
        return null;
      }
    }
    const running = !TERMINAL_STATUSES.has(job.status);
    return { job, link: target.link, points, nextPollAt: running ? new Date(Date.now() + RUNNING_POLL_MS) : null };
  });
  const writes = results.filter((w): w is JobWrite => w !== null);
  try {
    await writeJobs(ctx, writes);
  } catch (error) {
    if (writes.length <= 1 && !ctx.signal?.aborted) {
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
        failed.push(targetOf(w));
        ctx.log.warn("sagemaker: storing job failed; job skipped", { job: w.job.name, error: errorMessage(single) });
      }
    }
  }
  return { failed };
}

const targetOf = (w: JobWrite): Target => ({ kind: w.job.kind, name: w.job.name, link: w.link });
