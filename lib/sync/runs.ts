/**
 * Runs: which executions to look at (ListExecutions newest-first, stopping at the first one already known,
 * finished and fully synced), and the sync of one execution — DescribeExecution + the new history events →
 * run row, raw events, derived steps — written in ONE transaction per execution, so a crash leaves every
 * execution either fully at its previous state or fully at its new one.
 *
 * Listing order vs. crashes: new executions are synced oldest-first, so the executions already stored
 * are always the older part of the listing; after a crash the next listing's early stop (at the newest
 * stored, finished run) cannot skip an unsynced older one. Where a pass stores a newer one first (a running
 * execution ahead of a catch-up the pass's budget cuts short, lib/sync/pass.ts), it first records where the
 * catch-up starts (`catchUpFrom`), and listings do not stop at a settled run newer than that.
 */
import "server-only";
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type ExecutionListItem,
  type HistoryEvent,
  ListExecutionsCommand,
} from "@aws-sdk/client-sfn";
import { evaluateAlertsInTransaction } from "@/lib/alerts";
import type { RunStatus } from "@/lib/status";
import { DESCRIBE_ACTION, jobOfStep, syncJobsForSteps } from "@/lib/sync/sagemaker";
import type { SyncContext } from "./context";
import { gapInForce, guarded, loadBackoffs, objectBlocked } from "./degrade";
import { deriveSteps } from "./derive-steps";
import { dbOf, isLeaseLost, readSql, writeSql, writeTx } from "./fence";
import {
  fetchEventsAfter,
  insertHistoryEvents,
  isInvalidToken,
  loadStoredEvents,
  pgText,
  TERMINAL_EVENT_TYPES,
  writeSteps,
} from "./history";
import { publicIdFor } from "./ids";
import { syncMapRuns } from "./map-runs";

const RUN_STATUSES = new Set<string>(["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"]);
const FINISHED = new Set<string>(["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]);

export type PipelineRef = { id: number; stateMachineArn: string; name: string; revisionId: number | null };

/** What the database knows about a run, enough to decide whether AWS must be asked again. */
export type KnownRun = {
  id: number;
  publicId: string;
  pipelineId: number;
  executionArn: string;
  status: string;
  lastEventId: number;
  historyComplete: boolean;
  redriveCount: number;
};

const KNOWN_COLUMNS = `r.id, r.public_id AS "publicId", r.pipeline_id AS "pipelineId", r.execution_arn AS "executionArn",
  r.status, r.last_event_id AS "lastEventId", r.history_complete AS "historyComplete",
  r.redrive_count AS "redriveCount"`;

export { dbOf };

export async function knownRuns(ctx: SyncContext, arns: string[]): Promise<Map<string, KnownRun>> {
  if (arns.length === 0) return new Map();
  const { rows } = await dbOf(ctx).query<KnownRun>(
    `SELECT ${KNOWN_COLUMNS} FROM run r WHERE r.execution_arn = ANY($1::text[])`,
    [arns],
  );
  return new Map(rows.map((r) => [r.executionArn, r]));
}

/**
 * True when the listing item says nothing new about a stored run (so it costs no further call): the run is
 * complete — finished and fully synced, or settled because the sync gave up on it (then it may even still be
 * RUNNING) — and the listing shows the same status and redrive count.
 */
export function isSettled(known: KnownRun | undefined, item: ExecutionListItem): boolean {
  return (
    !!known && known.historyComplete && known.status === item.status && known.redriveCount === (item.redriveCount ?? 0)
  );
}

export type ListResult = {
  toSync: ExecutionListItem[];
  /** The ARNs in `toSync` no run is stored for yet. */
  unknown: Set<string>;
  listed: number;
  pages: number;
};

/**
 * Lists a pipeline's executions newest-first and returns those that need a sync, oldest first. Stops at the
 * first settled run unless `full` (reconciliation), which reads the whole listing. With `catchUpFrom` (a
 * catch-up of the pipeline's history is unfinished: executions that started at or after it may not be stored
 * yet) a settled run stops the listing only when it started before that instant, so a newer run that settled
 * out of order (an immediate sync, the live lane) never hides older executions still to store. Nor does a
 * run in `passOver` (the pass synced it already, out of order, ahead of this listing).
 */
export async function listExecutionsToSync(
  ctx: SyncContext,
  pipeline: PipelineRef,
  options: { full?: boolean; catchUpFrom?: Date; passOver?: ReadonlySet<string> } = {},
): Promise<ListResult> {
  const toSync = new Map<string, ExecutionListItem>();
  const unknown = new Set<string>();
  const catchUpFrom = options.catchUpFrom?.getTime();
  let nextToken: string | undefined;
  let restarts = 0;
  let listed = 0;
  let pages = 0;
  for (;;) {
    let page: { executions?: ExecutionListItem[]; nextToken?: string };
    try {
      page = await ctx.clients.sfn.send(
        new ListExecutionsCommand({
          stateMachineArn: pipeline.stateMachineArn,
          maxResults: options.full || catchUpFrom !== undefined ? 1000 : 100,
          nextToken,
        }),
        { abortSignal: ctx.signal },
      );
    } catch (error) {
      // An expired nextToken: restart the listing from the newest (duplicates are collapsed by ARN).
      if (isInvalidToken(error) && nextToken && restarts++ < 3) {
        ctx.log.warn("listing token expired; restarting the listing", { pipeline: pipeline.stateMachineArn });
        nextToken = undefined;
        continue;
      }
      throw error;
    }
    pages++;
    const items = (page.executions ?? []).filter((x) => x.executionArn);
    listed += items.length;
    const known = await knownRuns(
      ctx,
      items.map((x) => x.executionArn as string),
    );
    let stop = false;
    for (const item of items) {
      const k = known.get(item.executionArn as string);
      if (isSettled(k, item)) {
        const beforeCatchUp = catchUpFrom === undefined || (item.startDate?.getTime() ?? 0) < catchUpFrom;
        if (!options.full && beforeCatchUp && !options.passOver?.has(item.executionArn as string)) {
          stop = true;
          break;
        }
        continue;
      }
      toSync.set(item.executionArn as string, item);
      if (!k) unknown.add(item.executionArn as string);
    }
    if (stop || !page.nextToken) break;
    nextToken = page.nextToken;
  }
  const oldestFirst = [...toSync.values()].sort(
    (a, b) => (a.startDate?.getTime() ?? 0) - (b.startDate?.getTime() ?? 0),
  );
  return { toSync: oldestFirst, unknown, listed, pages };
}

export type ExecutionSyncResult = { changed: boolean; runId: number | null; status: string | null; calls: number };

function lastType(events: readonly HistoryEvent[]): string | undefined {
  return events.at(-1)?.type;
}

/**
 * Syncs one execution: new history events (newest-first down to the last stored id), DescribeExecution when
 * anything may have changed, then one transaction that writes the run, the events and the re-derived steps.
 * A stored, settled run with nothing new costs exactly one GetExecutionHistory call and no write.
 */
export async function syncExecution(
  ctx: SyncContext,
  pipeline: PipelineRef,
  executionArn: string,
  hint: { item?: ExecutionListItem; known?: KnownRun; force?: boolean } = {},
): Promise<ExecutionSyncResult> {
  const known = hint.known ?? (await knownRuns(ctx, [executionArn])).get(executionArn);
  const afterId = known?.lastEventId ?? 0;
  let events = await fetchEventsAfter(ctx, executionArn, afterId);
  let storedLastType: string | undefined;
  const statusMismatch =
    !!known &&
    !!hint.item?.status &&
    (hint.item.status !== known.status || (hint.item.redriveCount ?? 0) !== known.redriveCount);
  if (known && events.length === 0 && !hint.force && !statusMismatch) {
    // Nothing new in the history. Two cases still need work: a RUNNING run whose stored history already
    // ended (the describe of the previous sync raced the end) needs its final status; a finished run whose
    // history is all stored but whose jobs were not all synced yet (a crash, a SageMaker error) needs them.
    storedLastType = await lastStoredType(ctx, known.id);
    const ended = !!storedLastType && TERMINAL_EVENT_TYPES.has(storedLastType);
    if (!ended) return { changed: false, runId: known.id, status: known.status, calls: 1 };
    if (known.status !== "RUNNING") {
      const run = await runLink(ctx, known.id);
      if (run) await finishRun(ctx, { ...run, publicId: known.publicId, runId: known.id }, known.lastEventId);
      return { changed: false, runId: known.id, status: known.status, calls: 1 };
    }
  }
  const description = await ctx.clients.sfn.send(new DescribeExecutionCommand({ executionArn }), {
    abortSignal: ctx.signal,
  });
  // The execution may have moved on between the history read and the describe: read the tail again so the
  // stored history is at least as fresh as the stored status.
  if (FINISHED.has(description.status ?? "") && !TERMINAL_EVENT_TYPES.has(lastType(events) ?? storedLastType ?? "")) {
    const more = await fetchEventsAfter(ctx, executionArn, afterId + events.length);
    events = events.concat(more);
  }
  return writeExecution(ctx, pipeline, description, events, afterId, hint.force ?? false);
}

export const EXECUTION_ACTIONS = ["states:GetExecutionHistory", "states:DescribeExecution"];

export type GuardedSync =
  | { outcome: "synced"; changed: boolean }
  | { outcome: "deferred" | "settled" | "gone" | "denied" | "failed"; error?: string };

/**
 * syncExecution under the execution's backoff (lib/sync/degrade.ts): not called while a backoff or a gap
 * of the source holds it; a run we hold whose execution is gone (ExecutionDoesNotExist: past the 90-day
 * retention, or deleted) or was given up on is settled with what is stored; a failing one is deferred to
 * its next attempt. Never throws for AWS errors.
 */
export async function syncExecutionGuarded(
  ctx: SyncContext,
  pipeline: PipelineRef,
  executionArn: string,
  hint: { item?: ExecutionListItem; known?: KnownRun; force?: boolean } = {},
): Promise<GuardedSync> {
  const known = hint.known;
  const r = await guarded(
    ctx,
    {
      operation: "states:GetExecutionHistory",
      object: executionArn,
      runId: known?.id ?? null,
      actions: EXECUTION_ACTIONS,
    },
    () => syncExecution(ctx, pipeline, executionArn, hint),
  );
  if (r.ok) return { outcome: "synced", changed: r.value.changed };
  if (r.skipped) {
    if (known && r.row.nextAttemptAt) await deferRun(ctx, known.id, r.row.nextAttemptAt);
    return { outcome: "deferred" };
  }
  const run = known ?? (await knownRuns(ctx, [executionArn])).get(executionArn);
  if (run && r.row.gaveUpAt) {
    // Gone or given up: keep what we have, mark it (the run page shows the row), stop asking.
    await settleRun(ctx, { id: run.id, publicId: run.publicId, pipelineId: run.pipelineId });
  } else if (run && r.row.nextAttemptAt) {
    await deferRun(ctx, run.id, r.row.nextAttemptAt);
  }
  if (r.kind !== "failing") return { outcome: r.row.gaveUpAt ? (run ? "settled" : "gone") : "denied" };
  ctx.log.error("execution sync failed; backing off", {
    source: ctx.source.key,
    executionArn,
    attempts: r.row.attempts,
    nextAttemptAt: r.row.nextAttemptAt?.toISOString() ?? null,
    error: errorMessage(r.error),
  });
  return { outcome: "failed", error: errorMessage(r.error) };
}

async function lastStoredType(ctx: SyncContext, runId: number): Promise<string | undefined> {
  const { rows } = await dbOf(ctx).query<{ type: string }>(
    "SELECT type FROM history_event WHERE run_id = $1 ORDER BY event_id DESC LIMIT 1",
    [runId],
  );
  return rows[0]?.type;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

async function writeExecution(
  ctx: SyncContext,
  pipeline: PipelineRef,
  d: DescribeExecutionCommandOutput,
  newEvents: HistoryEvent[],
  fetchedAfter: number,
  rederive: boolean,
): Promise<ExecutionSyncResult> {
  const executionArn = d.executionArn ?? "";
  const status = RUN_STATUSES.has(d.status ?? "") ? (d.status as RunStatus) : null;
  if (!status || !d.startDate) throw new Error(`DescribeExecution returned no usable status/startDate`);
  const publicId = publicIdFor(executionArn);
  const result = await writeTx(ctx, `run ${executionArn}`, async (client) => {
    // One writer per execution at a time (the worker and the EventBridge route may race on the same one).
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [executionArn]);
    const before = await client.query<{ id: number; lastEventId: number; version: number; status: string }>(
      `SELECT id, last_event_id AS "lastEventId", version, status FROM run WHERE execution_arn = $1`,
      [executionArn],
    );
    const prior = before.rows[0];
    // Events the other writer stored meanwhile are skipped by ON CONFLICT; a gap is impossible because we
    // only hold events contiguous after `fetchedAfter`, and the row says what is stored.
    if (prior && prior.lastEventId < fetchedAfter) {
      throw new Error(`stored history of ${executionArn} shrank (${prior.lastEventId} < ${fetchedAfter})`);
    }
    // run.run_number (the pipeline's 1, 2, 3 …) is assigned by the `run_number` trigger when the row is new, under
    // a per-pipeline lock (migration 20261130300000_metric_rollups); this upsert never changes it.
    const upsert = await client.query<{ id: number; inserted: boolean }>(
      `INSERT INTO run AS r (public_id, pipeline_id, revision_id, execution_arn, name, status, started_at, stopped_at,
          input, output, error, cause, redrive_count, redrive_date, redrive_status, synced_at)
       VALUES ($1, $2,
          coalesce((SELECT id FROM pipeline_revision WHERE pipeline_id = $2 AND first_seen_at <= $7::timestamp
                     ORDER BY first_seen_at DESC, id DESC LIMIT 1), $3),
          $4, $5, $6::"RunStatus", $7::timestamp, $8::timestamp, $9, $10, $11, $12, $13, $14::timestamp, $15,
          now() AT TIME ZONE 'UTC')
       ON CONFLICT (execution_arn) DO UPDATE SET status = excluded.status, stopped_at = excluded.stopped_at,
          input = excluded.input, output = excluded.output, error = excluded.error, cause = excluded.cause,
          redrive_count = excluded.redrive_count, redrive_date = excluded.redrive_date,
          redrive_status = excluded.redrive_status, synced_at = excluded.synced_at
        WHERE (r.status, r.stopped_at, r.input, r.output, r.error, r.cause, r.redrive_count, r.redrive_date,
               r.redrive_status)
              IS DISTINCT FROM (excluded.status, excluded.stopped_at, excluded.input, excluded.output, excluded.error,
               excluded.cause, excluded.redrive_count, excluded.redrive_date, excluded.redrive_status)
          -- never let an older description overwrite a newer one (a finished run only reopens by a redrive)
          AND NOT (r.status <> 'RUNNING' AND excluded.status = 'RUNNING' AND excluded.redrive_count <= r.redrive_count)
       RETURNING id, (xmax = 0) AS inserted`,
      [
        publicId,
        pipeline.id,
        pipeline.revisionId,
        executionArn,
        pgText(d.name ?? executionArn.split(":").at(-1) ?? executionArn),
        status,
        iso(d.startDate),
        iso(d.stopDate),
        pgText(d.input ?? null),
        pgText(d.output ?? null),
        pgText(d.error ?? null),
        pgText(d.cause ?? null),
        d.redriveCount ?? 0,
        iso(d.redriveDate),
        d.redriveStatus ?? null,
      ],
    );
    const runId = upsert.rows[0]?.id ?? prior?.id;
    if (runId === undefined) throw new Error(`run row for ${executionArn} vanished`);
    const runChanged = upsert.rows.length > 0 && !upsert.rows[0]?.inserted;
    const inserted = await insertHistoryEvents(client, runId, newEvents);

    // Derive from ALL stored events; on a first sync they are exactly the ones in hand.
    const allEvents =
      (prior?.lastEventId ?? 0) === 0 && inserted === newEvents.length
        ? newEvents
        : await loadStoredEvents(client, runId);
    let stepsChanged = 0;
    let stepCount = 0;
    const derive = inserted > 0 || !prior || rederive;
    if (derive) {
      const definition = await client.query<{ definition: unknown }>(
        `SELECT coalesce(rev.definition, p.definition) AS definition
           FROM run r JOIN pipeline p ON p.id = r.pipeline_id LEFT JOIN pipeline_revision rev ON rev.id = r.revision_id
          WHERE r.id = $1`,
        [runId],
      );
      const derived = deriveSteps(allEvents, { definition: definition.rows[0]?.definition });
      if (derived.warnings.length > 0) {
        ctx.log.warn("history derivation warnings", {
          executionArn,
          warnings: derived.warnings.slice(0, 5),
          total: derived.warnings.length,
        });
      }
      stepsChanged = await writeSteps(client, runId, derived.steps);
      stepCount = derived.steps.length;
    }
    const lastEventId = allEvents.at(-1)?.id ?? prior?.lastEventId ?? 0;
    const historyEnded = FINISHED.has(status) && TERMINAL_EVENT_TYPES.has(allEvents.at(-1)?.type ?? "");
    // A run that started SageMaker jobs is only complete once its jobs are stored too (finishRun, after the
    // job sync): until then it stays open, so a crash in between cannot leave its jobs unsynced for good.
    const jobSteps = await client.query(`SELECT 1 FROM step s WHERE s.run_id = $1 AND ${STEP_STARTED_JOB} LIMIT 1`, [
      runId,
    ]);
    const historyComplete = historyEnded && (jobSteps.rowCount ?? 0) === 0;
    const changed = !prior || runChanged || inserted > 0 || stepsChanged > 0;
    const final = await client.query<{ version: number }>(
      `UPDATE run SET last_event_id = $2, history_complete = $3,
          step_count = CASE WHEN $5 THEN $4 ELSE step_count END,
          version = version + CASE WHEN $6 THEN 1 ELSE 0 END, next_sync_at = NULL
        WHERE id = $1 AND (last_event_id, history_complete, step_count, $6, next_sync_at IS NULL)
              IS DISTINCT FROM ($2, $3, CASE WHEN $5 THEN $4 ELSE step_count END, false, true)
        RETURNING version`,
      [runId, lastEventId, historyComplete, stepCount, derive, changed && !!prior],
    );
    // The execution answered: whatever the sync had given up on or was backing off for it is over.
    if (ctx.backoff === undefined || [...ctx.backoff.values()].some((b) => b.object === executionArn)) {
      await client.query(
        "DELETE FROM sync_backoff WHERE source_id = $1 AND object = $2 AND operation LIKE 'states:%'",
        [ctx.source.id, executionArn],
      );
      for (const [key, b] of ctx.backoff ?? []) if (b.object === executionArn) ctx.backoff?.delete(key);
    }
    const version = final.rows[0]?.version ?? prior?.version ?? 1;
    // The pipelines index shows each pipeline's last run and success rate: it cares about runs that
    // appear or change status, not about every step.
    const statusChanged = !prior || prior.status !== status;
    // Alert rules (lib/alerts) see a run's end in this transaction: the alert commits with it, or not at all.
    if (statusChanged && FINISHED.has(status)) await evaluateAlertsInTransaction(client, [runId], ctx.log);
    return { runId, changed, stepsChanged, statusChanged, version, historyEnded, historyComplete, lastEventId };
  });

  if (result.changed) {
    ctx.changes.add({ topic: `pipeline:${pipeline.id}`, kind: "run", id: publicId, version: result.version });
    ctx.changes.add({ topic: `run:${publicId}`, kind: "run", id: publicId, version: result.version });
    if (result.statusChanged)
      ctx.changes.add({ topic: "pipelines", kind: "run", id: publicId, version: result.version });
    if (result.stepsChanged > 0) {
      ctx.changes.add({ topic: `run:${publicId}`, kind: "step", id: publicId, version: result.version });
    }
  }
  const link = { runId: result.runId, pipelineId: pipeline.id, runStartedAt: d.startDate, publicId };
  // Map Runs before the jobs: their counts are what the page shows for a distributed Map's inner states.
  if (result.changed || !result.historyComplete) await syncMapRuns(ctx, { ...link, version: result.version });
  if (result.historyEnded && !result.historyComplete) await finishRun(ctx, link, result.lastEventId);
  else await syncStepJobs(ctx, link);
  return { changed: result.changed, runId: result.runId, status, calls: 0 };
}

async function runLink(ctx: SyncContext, runId: number) {
  const { rows } = await dbOf(ctx).query<{ pipelineId: number; runStartedAt: Date }>(
    `SELECT pipeline_id AS "pipelineId", started_at AT TIME ZONE 'UTC' AS "runStartedAt" FROM run WHERE id = $1`,
    [runId],
  );
  return rows[0];
}

/**
 * A job the sync gave up on (gone, in another account, kept failing): its step counts as settled, the run
 * page shows why. Matched by the job's name, from the step's job name or ARN.
 */
const JOB_GIVEN_UP = `EXISTS (SELECT 1 FROM sync_backoff b
   WHERE b.source_id = $2 AND b.operation LIKE 'sagemaker:Describe%' AND b.gave_up_at IS NOT NULL
     AND b.object IN (s.job_name, split_part(s.job_arn, '/', 2)))`;

/**
 * Syncs the jobs of a run whose history has ended and marks it complete once every job its steps
 * created (steps with a job ARN) is stored or given up. When the jobs still missing all wait for a
 * backoff (or a gap of the source), the run is not synced again before the earliest of them is due, so it
 * costs no call in between. Bookkeeping only: no version bump.
 */
async function finishRun(
  ctx: SyncContext,
  run: { runId: number; pipelineId: number; runStartedAt: Date; publicId: string },
  lastEventId: number,
): Promise<boolean> {
  await syncStepJobs(ctx, run);
  const missing = await readSql<{ jobName: string | null; jobArn: string | null; resource: string | null }>(
    ctx,
    `SELECT s.job_name AS "jobName", s.job_arn AS "jobArn", s.resource FROM step s
      WHERE s.run_id = $1 AND ${STEP_STARTED_JOB}
        AND NOT EXISTS (SELECT 1 FROM sagemaker_job j WHERE j.arn = s.job_arn OR j.step_id = s.id)
        AND NOT ${JOB_GIVEN_UP}`,
    [run.runId, ctx.source.id],
  );
  if (missing.length > 0) {
    await loadBackoffs(ctx);
    const waits = missing.map((m) => {
      const job = jobOfStep(m);
      if (!job) return null;
      const action = DESCRIBE_ACTION[job.kind];
      const row = objectBlocked(ctx, action, job.name) ?? gapInForce(ctx, action);
      return row?.nextAttemptAt ?? null;
    });
    if (waits.every((w) => w !== null)) {
      const next = new Date(Math.min(...waits.map((w) => (w as Date).getTime())));
      await writeSql(
        ctx,
        `wait ${run.publicId}`,
        "UPDATE run SET next_sync_at = $2::timestamptz AT TIME ZONE 'UTC' WHERE id = $1",
        [run.runId, next.toISOString()],
      );
    }
    return false;
  }
  await writeSql(
    ctx,
    `complete ${run.publicId}`,
    `UPDATE run SET history_complete = true, next_sync_at = NULL
      WHERE id = $1 AND last_event_id = $2 AND NOT history_complete`,
    [run.runId, lastEventId],
  );
  return true;
}

const FINISHED_JOB = ["Completed", "Failed", "Stopped"];
/** A step whose job ARN names a SageMaker *job* (not a model package, endpoint, …): that job exists. */
const STEP_STARTED_JOB = "s.job_arn ~ ':(training|processing|transform|hyper-parameter-tuning)-job/'";

/**
 * Stops following a run whose execution Step Functions no longer has (past its 90-day retention, or
 * deleted) or that the sync gave up on: everything stored stays, the run is complete for the sync, and the
 * run page says why (its sync_backoff row). The version moves so open pages show the warning.
 */
export async function settleRun(ctx: SyncContext, run: { id: number; publicId: string; pipelineId: number }) {
  const rows = await writeSql<{ version: number }>(
    ctx,
    `settle ${run.publicId}`,
    `UPDATE run SET history_complete = true, next_sync_at = NULL, version = version + 1
      WHERE id = $1 AND NOT history_complete RETURNING version`,
    [run.id],
  );
  const version = rows[0]?.version;
  if (version !== undefined) {
    ctx.changes.add({ topic: `run:${run.publicId}`, kind: "run", id: run.publicId, version });
    ctx.changes.add({ topic: `pipeline:${run.pipelineId}`, kind: "run", id: run.publicId, version });
  }
}

/** An open run whose own sync is backing off is not synced again before the backoff's next attempt. */
export async function deferRun(ctx: SyncContext, runId: number, until: Date): Promise<void> {
  await writeSql(
    ctx,
    `defer ${runId}`,
    "UPDATE run SET next_sync_at = $2::timestamptz AT TIME ZONE 'UTC' WHERE id = $1",
    [runId, until.toISOString()],
  );
}

/** Hands the run's job-starting steps whose job is not known-finished to the SageMaker module. */
export async function syncStepJobs(
  ctx: SyncContext,
  run: { runId: number; pipelineId: number; runStartedAt: Date; publicId: string },
): Promise<number> {
  const { rows } = await dbOf(ctx).query<{
    stepId: number;
    jobName: string | null;
    jobArn: string | null;
    resource: string | null;
    ended: boolean;
  }>(
    `SELECT s.id AS "stepId", s.job_name AS "jobName", s.job_arn AS "jobArn", s.resource,
            s.exited_at IS NOT NULL AS ended
       FROM step s
      WHERE s.run_id = $1 AND (s.job_name IS NOT NULL OR s.job_arn IS NOT NULL)
        AND NOT EXISTS (SELECT 1 FROM sagemaker_job j
                         WHERE (j.arn = s.job_arn OR (s.job_arn IS NULL AND j.name = s.job_name))
                           AND j.status = ANY($3::text[]))
        AND NOT ${JOB_GIVEN_UP}
      ORDER BY s.entered_event_id`,
    [run.runId, ctx.source.id, FINISHED_JOB],
  );
  if (rows.length === 0) return 0;
  try {
    await syncJobsForSteps(ctx, {
      runId: run.runId,
      pipelineId: run.pipelineId,
      runStartedAt: run.runStartedAt,
      steps: rows,
    });
  } catch (error) {
    if (ctx.signal?.aborted || isLeaseLost(error)) throw error;
    ctx.log.error("SageMaker job sync failed for a run; retried on the next reconciliation", {
      source: ctx.source.key,
      run: run.publicId,
      error: errorMessage(error),
    });
  }
  return rows.length;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 1000);
  return String(error).slice(0, 1000);
}
