/**
 * One sync pass over one source, and `runSyncPass` (all sources, for `npm run sync -- --once`).
 *
 * A pass, in this order:
 * 1. the live lane: every open run of the source (not history_complete: running, or finished with history
 *    still missing), so a run the sync already follows has its new events and its end stored first, however
 *    much else the pass has to do;
 * 2. discovery when due (every STEPWISE_DISCOVERY_SECONDS, or when `full`) and the queued EventBridge events;
 * 3. the executions of every pipeline whose next_poll_at has come (listing stops at the first settled run;
 *    `full` = reconciliation reads the whole listing). Executions the sync already stores and new running
 *    ones are synced at once; new *finished* ones are catch-up (a first pass over a pipeline's history, a
 *    burst of short runs) and at most STEPWISE_BACKFILL_PER_PASS of them (default 25, across the source's
 *    pipelines) are synced per pass, oldest first. The rest waits for the next passes: the pipeline stays
 *    due, and the instant its oldest unsynced execution started is kept in the source's cursors
 *    (`catchUp`), so its listings read past runs that settled out of order down to that instant;
 * 4. the SageMaker module's running jobs and (when due) model registry; then the batched live changes and
 *    the pass's counters and status on the aws_source row.
 * However long a pipeline's history, a pass does a bounded amount of catch-up, so a running execution's end
 * waits at most for the rest of one such pass and the pause between passes.
 *
 * Adaptive polling: a pipeline with running runs is polled again after STEPWISE_ACTIVE_POLL_SECONDS (5),
 * an idle one after STEPWISE_IDLE_POLL_SECONDS (300), one with catch-up left at the next pass; open runs are
 * re-synced on every pass, first (the worker ticks every few seconds); settled runs are never asked about
 * again.
 *
 * Degrade, never drop (lib/sync/degrade.ts): a call that fails for one object (an execution, a job, a
 * state machine) is backed off for that object and the pass goes on; a denied or unsupported action is a
 * gap of the source, not called again before its probe; an execution Step Functions no longer has is
 * settled with what is stored. Only items that keep failing count as failures of the pass.
 *
 * Under a lease (the worker), every write — the run's rows, live events, counters — is fenced
 * (lib/sync/fence.ts): once the lease is lost, the pass aborts and writes nothing more.
 */
import "server-only";
import { setMaxListeners } from "node:events";
import type { ExecutionListItem } from "@aws-sdk/client-sfn";
import type pg from "pg";
import { pool as defaultPool, transaction } from "@/lib/db";
import type { AwsSource } from "@/lib/generated/prisma/client";
import { createChangeSink } from "@/lib/live/notify";
import { toSyncLogger } from "@/lib/log";
import { pollRunningJobs, syncModelRegistry, syncPendingSeries } from "@/lib/sync/sagemaker";
import { createClients, destroyClients } from "./clients";
import type { SyncContext, SyncHooks, SyncLease, SyncLogger } from "./context";
import { addTotals, type CounterTotals, createCounters } from "./counters";
import { guarded, loadBackoffs } from "./degrade";
import { discoverPipelines } from "./discovery";
import { processQueuedEvents } from "./eventbridge";
import { checkLease, isLeaseLost, writeSql } from "./fence";
import {
  dbOf,
  errorMessage,
  type KnownRun,
  listExecutionsToSync,
  type PipelineRef,
  type syncExecution,
  syncExecutionGuarded,
  syncStepJobs,
} from "./runs";
import { loadSourceConfigs, loadSources, upsertSources } from "./sources";

const seconds = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v >= 0 ? v : fallback;
};
export const intervals = () => ({
  activePoll: seconds("STEPWISE_ACTIVE_POLL_SECONDS", 5),
  idlePoll: seconds("STEPWISE_IDLE_POLL_SECONDS", 300),
  discovery: seconds("STEPWISE_DISCOVERY_SECONDS", 300),
  registry: seconds("STEPWISE_REGISTRY_SECONDS", 60),
  reconcile: seconds("STEPWISE_RECONCILE_SECONDS", 600),
});

const CONCURRENCY = 4;

/** New finished executions (history catch-up) synced per pass, across the source's pipelines. */
export const backfillPerPass = () => {
  const v = Math.floor(Number(process.env.STEPWISE_BACKFILL_PER_PASS));
  return Number.isFinite(v) && v >= 1 ? v : 25;
};

/** Runs `work` over `items` with at most `limit` in flight. */
export async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(workers);
}

export type SourceCursors = {
  discoveredAt?: string;
  registryAt?: string;
  reconciledAt?: string;
  stats?: SourceStats;
  /**
   * Pipelines (by id) whose catch-up is unfinished → ISO instant the oldest execution still to sync started.
   * Written as it changes (not at the end of the pass), so a pass that dies mid-way keeps it.
   */
  catchUp?: Record<string, string>;
};
export type SourceStats = CounterTotals & {
  passes: number;
  failedPasses: number;
  lastPassMs: number;
  totalPassMs: number;
  executionsSynced: number;
  executionFailures: number;
};

export type PassSummary = {
  source: string;
  full: boolean;
  discovered: number | null;
  pipelinesPolled: number;
  executionsSynced: number;
  executionsChanged: number;
  failures: number;
  openRuns: number;
  /** Items not asked about because their backoff (or a gap of the source) is in force. */
  deferred: number;
  /** EventBridge events handled from the queue. */
  eventsProcessed: number;
  /** Pipelines whose catch-up of new finished executions goes on at the next pass (the budget ran out). */
  catchingUp: number;
  jobsPolled: number | null;
  durationMs: number;
  error?: string;
  /** The cursors this pass advanced (written by recordPass). */
  cursors: SourceCursors;
};

type PassOptions = { full?: boolean; now?: Date };

function cursorsOf(source: AwsSource): SourceCursors {
  return (source.cursors && typeof source.cursors === "object" ? source.cursors : {}) as SourceCursors;
}

const due = (at: string | undefined, everySeconds: number, now: Date) =>
  !at || now.getTime() - new Date(at).getTime() >= everySeconds * 1000;

/** One pass over one source with an already built context. Errors of single items are logged and skipped. */
export async function syncSource(ctx: SyncContext, options: PassOptions = {}): Promise<PassSummary> {
  const started = Date.now();
  const now = options.now ?? ctx.now?.() ?? new Date();
  if (options.now && !ctx.now) ctx.now = () => options.now as Date;
  const every = intervals();
  const cursors = cursorsOf(ctx.source);
  const full = options.full ?? due(cursors.reconciledAt, every.reconcile, now);
  const summary: PassSummary = {
    source: ctx.source.key,
    full,
    discovered: null,
    pipelinesPolled: 0,
    executionsSynced: 0,
    executionsChanged: 0,
    failures: 0,
    openRuns: 0,
    deferred: 0,
    eventsProcessed: 0,
    catchingUp: 0,
    jobsPolled: null,
    durationMs: 0,
    cursors: {},
  };
  const db = dbOf(ctx);
  const nextCursors: SourceCursors = {};
  let passError: string | undefined;
  const fatal = (error: unknown) => {
    if (ctx.signal?.aborted || isLeaseLost(error)) throw error;
  };
  await loadBackoffs(ctx);

  const synced = new Set<string>();
  const syncOne = async (pipeline: PipelineRef, arn: string, hint: Parameters<typeof syncExecution>[3]) => {
    synced.add(arn);
    const r = await syncExecutionGuarded(ctx, pipeline, arn, hint);
    if (r.outcome === "synced") {
      summary.executionsSynced++;
      if (r.changed) summary.executionsChanged++;
    } else if (r.outcome === "deferred") summary.deferred++;
    else if (r.outcome === "failed") summary.failures++;
  };

  // 1. The live lane: the open runs (running, or finished with history still missing), before anything else
  //    the pass does — discovery, listings, catch-up of history — so their news never waits behind it. Runs
  //    waiting for a backoff (next_sync_at) cost no call before it. Running ones first.
  const open = await db.query<
    KnownRun & { pipelineArn: string; pipelineName: string; pipelineRevisionId: number | null }
  >(
    `SELECT r.id, r.public_id AS "publicId", r.pipeline_id AS "pipelineId", r.execution_arn AS "executionArn", r.status,
            r.last_event_id AS "lastEventId", r.history_complete AS "historyComplete", r.redrive_count AS "redriveCount",
            p.state_machine_arn AS "pipelineArn", p.name AS "pipelineName", p.revision_id AS "pipelineRevisionId"
       FROM run r JOIN pipeline p ON p.id = r.pipeline_id
      WHERE p.source_id = $1 AND NOT r.history_complete
        AND (r.next_sync_at IS NULL OR r.next_sync_at <= $2::timestamptz AT TIME ZONE 'UTC')
      ORDER BY r.status IN ('RUNNING', 'PENDING_REDRIVE') DESC, r.started_at`,
    [ctx.source.id, now.toISOString()],
  );
  summary.openRuns = open.rows.length;
  await eachLimited(open.rows, CONCURRENCY, async (r) => {
    const pipeline = {
      id: r.pipelineId,
      stateMachineArn: r.pipelineArn,
      name: r.pipelineName,
      revisionId: r.pipelineRevisionId,
    };
    await syncOne(pipeline, r.executionArn, { known: r });
  });

  // 2. Discovery.
  if (full || due(cursors.discoveredAt, every.discovery, now)) {
    try {
      const d = await discoverPipelines(ctx);
      summary.discovered = d.unavailable ? null : d.seen;
      if (d.complete) nextCursors.discoveredAt = now.toISOString();
      if (d.unavailable) passError = `discovery: ${d.unavailable}`;
    } catch (error) {
      fatal(error);
      passError = `discovery: ${errorMessage(error)}`;
      summary.failures++;
      ctx.log.error("discovery failed", { source: ctx.source.key, error: errorMessage(error) });
    }
  }

  // EventBridge events queued for this source's account and region (push before polling). A discovery this
  // pass already made answers events naming a new state machine.
  try {
    summary.eventsProcessed = await processQueuedEvents(ctx, { now, discovered: summary.discovered !== null });
  } catch (error) {
    fatal(error);
    summary.failures++;
    ctx.log.error("processing queued EventBridge events failed", {
      source: ctx.source.key,
      error: errorMessage(error),
    });
  }

  // 3. Executions of the pipelines that are due, with a bounded catch-up (see the top of this file).
  const pipelines = await db.query<PipelineRef & { type: string }>(
    `SELECT id, state_machine_arn AS "stateMachineArn", name, revision_id AS "revisionId", type FROM pipeline
      WHERE source_id = $1 AND status <> 'DELETED'
        AND ($2 OR next_poll_at IS NULL OR next_poll_at <= now() AT TIME ZONE 'UTC')
      ORDER BY next_poll_at NULLS FIRST, id`,
    [ctx.source.id, full],
  );
  // The pass's catch-up budget, shared out as the listings come back: each pipeline may take its even part of
  // what is left, so one long history does not hold up the others' oldest runs.
  let catchUpLeft = backfillPerPass();
  let toClaim = pipelines.rows.length;
  const claim = (wanted: number) => {
    const share = Math.ceil(catchUpLeft / Math.max(1, toClaim));
    toClaim--;
    const take = Math.min(wanted, share);
    catchUpLeft -= take;
    return take;
  };
  const catchUp: Record<string, string> = { ...(cursors.catchUp ?? {}) };
  const setCatchUp = async (pipelineId: number, from: string | null) => {
    const key = String(pipelineId);
    if ((catchUp[key] ?? null) === from) return;
    if (from) catchUp[key] = from;
    else delete catchUp[key];
    // Bookkeeping only, and one statement: concurrent pipelines of the pass never lose each other's entry.
    // The lease condition sits in the row lock itself (as in recordPass): writeSql's FOR SHARE check followed
    // by this UPDATE would upgrade the lock, and two pipelines (or the lease renewal) doing so deadlock.
    const label = `catch-up ${pipelineId}`;
    await ctx.hooks?.atWrite?.(label);
    if (ctx.signal?.aborted) throw ctx.signal.reason ?? new Error("sync aborted");
    await transaction(async (client) => {
      const r = await client.query(
        `UPDATE aws_source SET cursors = CASE
            WHEN $3::text IS NOT NULL THEN jsonb_set(coalesce(cursors, '{}'::jsonb), '{catchUp}',
              coalesce(cursors->'catchUp', '{}'::jsonb) || jsonb_build_object($2::text, $3::text))
            WHEN coalesce(cursors->'catchUp', '{}'::jsonb) - $2::text = '{}'::jsonb THEN cursors - 'catchUp'
            ELSE jsonb_set(cursors, '{catchUp}', (cursors->'catchUp') - $2::text) END
          WHERE id = $1
            AND ($4::text IS NULL OR (lease_owner = $4 AND lease_epoch = $5
                 AND lease_expires_at > now() AT TIME ZONE 'UTC'))`,
        [ctx.source.id, key, from, ctx.lease?.owner ?? null, ctx.lease?.epoch ?? null],
      );
      if (ctx.lease && (r.rowCount ?? 0) === 0) await checkLease(client, ctx);
      ctx.hooks?.beforeWrite?.(label);
    }, db);
  };
  let allPipelinesOk = true;
  await eachLimited(pipelines.rows, CONCURRENCY, async (pipeline) => {
    try {
      const from = catchUp[String(pipeline.id)];
      // Express state machines keep no execution history in Step Functions: nothing to list (discovery
      // notes it on the pipeline); the pipeline is looked at again at the idle interval.
      const listing =
        pipeline.type === "EXPRESS"
          ? null
          : await guarded(
              ctx,
              { operation: "states:ListExecutions", object: pipeline.stateMachineArn, giveUpWhenGone: false },
              () =>
                listExecutionsToSync(ctx, pipeline, {
                  full,
                  catchUpFrom: from ? new Date(from) : undefined,
                  // The live lane's runs settled out of order: executions older than them may still be new.
                  passOver: synced,
                }),
            );
      if (listing && !listing.ok) {
        claim(0);
        if (listing.skipped) summary.deferred++;
        else if (listing.kind === "failing") {
          allPipelinesOk = false;
          summary.failures++;
          ctx.log.error("pipeline poll failed; backing off", {
            source: ctx.source.key,
            pipeline: pipeline.stateMachineArn,
            nextAttemptAt: listing.row.nextAttemptAt?.toISOString() ?? null,
            error: errorMessage(listing.error),
          });
        }
        return;
      }
      if (listing) summary.pipelinesPolled++;
      // Runs the sync stores already (their status moved) and new running executions are news: synced at once.
      // New finished executions are catch-up: oldest first, as many as the pass's budget has left.
      const unknown = listing?.value.unknown ?? new Set<string>();
      const items = (listing?.value.toSync ?? []).filter((x) => !synced.has(x.executionArn as string));
      const isCatchUp = (x: ExecutionListItem) =>
        unknown.has(x.executionArn as string) && x.status !== "RUNNING" && x.status !== "PENDING_REDRIVE";
      const news = items.filter((x) => !isCatchUp(x));
      const backlog = items.filter(isCatchUp);
      const take = claim(backlog.length);
      const later = backlog.slice(take);
      const startOf = (x: ExecutionListItem | undefined) => (x ? (x.startDate ?? new Date(0)).toISOString() : null);
      // News goes ahead of older catch-up, and what the budget leaves waits for later passes: before anything
      // is stored out of order, note where the catch-up starts, so no later listing stops above it.
      if (listing && backlog.length > 0 && (later.length > 0 || news.length > 0)) {
        await setCatchUp(pipeline.id, startOf(backlog[0]));
      }
      // One at a time within a pipeline, each part oldest first: see runs.ts on crash safety.
      for (const item of [...news, ...backlog.slice(0, take)]) {
        await syncOne(pipeline, item.executionArn as string, { item });
      }
      if (listing) await setCatchUp(pipeline.id, startOf(later[0]));
      const stats = await db.query<{ running: number; lastRunAt: Date | null }>(
        `SELECT count(*) FILTER (WHERE status IN ('RUNNING', 'PENDING_REDRIVE'))::int AS running,
                max(started_at) AS "lastRunAt"
           FROM run WHERE pipeline_id = $1`,
        [pipeline.id],
      );
      const running = stats.rows[0]?.running ?? 0;
      // A catch-up the budget cut short goes on at the next pass.
      const wait = later.length > 0 ? 0 : running > 0 ? every.activePoll : every.idlePoll;
      // Bookkeeping only: neither updated_at nor version change.
      await writeSql(
        ctx,
        `poll ${pipeline.id}`,
        `UPDATE pipeline SET next_poll_at = (now() AT TIME ZONE 'UTC') + make_interval(secs => $2),
            last_run_at = (SELECT max(started_at) FROM run WHERE pipeline_id = $1)
          WHERE id = $1`,
        [pipeline.id, wait],
      );
    } catch (error) {
      fatal(error);
      allPipelinesOk = false;
      summary.failures++;
      ctx.log.error("pipeline poll failed; skipped until the next pass", {
        source: ctx.source.key,
        pipeline: pipeline.stateMachineArn,
        error: errorMessage(error),
      });
    }
  });
  summary.catchingUp = Object.keys(catchUp).length;
  if (full && allPipelinesOk && !passError) nextCursors.reconciledAt = now.toISOString();

  // 4. Reconciliation safety net for jobs: steps that started a job the SageMaker module never stored.
  if (full) {
    try {
      const orphans = await db.query<{ runId: number; pipelineId: number; startedAt: Date; publicId: string }>(
        `SELECT DISTINCT r.id AS "runId", r.pipeline_id AS "pipelineId", r.started_at AS "startedAt",
                r.public_id AS "publicId"
           FROM step s JOIN run r ON r.id = s.run_id JOIN pipeline p ON p.id = r.pipeline_id
          WHERE p.source_id = $1 AND s.job_name IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM sagemaker_job j WHERE j.step_id = s.id OR j.arn = s.job_arn)
          LIMIT 200`,
        [ctx.source.id],
      );
      for (const o of orphans.rows) {
        await syncStepJobs(ctx, {
          runId: o.runId,
          pipelineId: o.pipelineId,
          runStartedAt: o.startedAt,
          publicId: o.publicId,
        });
      }
    } catch (error) {
      fatal(error);
      ctx.log.error("job reconciliation failed", { source: ctx.source.key, error: errorMessage(error) });
    }
  }

  // 5. SageMaker: running jobs every pass, series still to fetch when due, the registry when due.
  try {
    summary.jobsPolled = await pollRunningJobs(ctx);
  } catch (error) {
    fatal(error);
    summary.failures++;
    ctx.log.error("polling running SageMaker jobs failed", { source: ctx.source.key, error: errorMessage(error) });
  }
  try {
    await syncPendingSeries(ctx);
  } catch (error) {
    fatal(error);
    ctx.log.error("fetching pending metric series failed", { source: ctx.source.key, error: errorMessage(error) });
  }
  if (full || due(cursors.registryAt, every.registry, now)) {
    try {
      await syncModelRegistry(ctx);
      nextCursors.registryAt = now.toISOString();
    } catch (error) {
      fatal(error);
      summary.failures++;
      ctx.log.error("model registry sync failed", { source: ctx.source.key, error: errorMessage(error) });
    }
  }

  await ctx.changes.flush();
  summary.durationMs = Date.now() - started;
  summary.error = passError;
  summary.cursors = nextCursors;
  return summary;
}

/** Adds a pass's counters and outcome to the source row (bookkeeping: updated_at is not touched). */
export async function recordPass(
  db: pg.Pool,
  sourceId: number,
  outcome: { counters: CounterTotals; summary?: PassSummary; error?: string; cursors?: SourceCursors },
  fence?: SyncContext,
): Promise<void> {
  await transaction(async (client) => {
    // Bookkeeping is fenced too: a pass whose lease was taken over does not add its counters. The lease
    // condition sits in the row lock itself (one lock, no share-then-update upgrade).
    const lease = fence?.lease;
    const { rows } = await client.query<{ cursors: SourceCursors }>(
      `SELECT cursors FROM aws_source WHERE id = $1
          AND ($2::text IS NULL OR (lease_owner = $2 AND lease_epoch = $3
               AND lease_expires_at > now() AT TIME ZONE 'UTC'))
        FOR UPDATE`,
      [sourceId, lease?.owner ?? null, lease?.epoch ?? null],
    );
    if (fence && lease && rows.length === 0) await checkLease(client, fence);
    const cursors: SourceCursors = { ...(rows[0]?.cursors ?? {}), ...(outcome.cursors ?? {}) };
    const prev = cursors.stats;
    const stats: SourceStats = {
      ...addTotals(
        {
          calls: { ...(prev?.calls ?? {}) },
          throttles: { ...(prev?.throttles ?? {}) },
          errors: { ...(prev?.errors ?? {}) },
        },
        outcome.counters,
      ),
      passes: (prev?.passes ?? 0) + (outcome.summary ? 1 : 0),
      failedPasses: (prev?.failedPasses ?? 0) + (outcome.error ? 1 : 0),
      lastPassMs: outcome.summary?.durationMs ?? prev?.lastPassMs ?? 0,
      totalPassMs: (prev?.totalPassMs ?? 0) + (outcome.summary?.durationMs ?? 0),
      executionsSynced: (prev?.executionsSynced ?? 0) + (outcome.summary?.executionsSynced ?? 0),
      executionFailures: (prev?.executionFailures ?? 0) + (outcome.summary?.failures ?? 0),
    };
    cursors.stats = stats;
    const error = outcome.error ?? outcome.summary?.error ?? null;
    await client.query(
      `UPDATE aws_source SET cursors = $2::jsonb, last_sync_at = now() AT TIME ZONE 'UTC',
          last_success_at = CASE WHEN $3::text IS NULL AND $4 THEN now() AT TIME ZONE 'UTC' ELSE last_success_at END,
          last_error = CASE WHEN $3::text IS NULL THEN last_error ELSE $3 END,
          last_error_at = CASE WHEN $3::text IS NULL THEN last_error_at ELSE now() AT TIME ZONE 'UTC' END
        WHERE id = $1`,
      [sourceId, JSON.stringify(cursors), error, !!outcome.summary],
    );
  }, db);
}

export type ContextOptions = {
  db?: pg.Pool;
  log?: SyncLogger;
  signal?: AbortSignal;
  hooks?: SyncHooks;
  /** The lease to fence every write with (the worker's passes). */
  lease?: SyncLease;
  /** The clock of backoff decisions (tests). */
  now?: Date;
};

/** Builds the context for one source: clients, counters, change sink. */
export function createSyncContext(source: AwsSource, options: ContextOptions = {}) {
  const counters = createCounters();
  const db = options.db ?? defaultPool;
  const own = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, own.signal]) : own.signal;
  // Every concurrent AWS call of the pass listens to this signal: more than Node's default of 10 listeners
  // is expected, and the warning it printed (timing-dependent) broke the first start's one quiet screen.
  setMaxListeners(1_000, signal);
  const ctx: SyncContext = {
    source,
    clients: createClients(source, counters),
    log: options.log ?? toSyncLogger(undefined, { source: source.key }),
    changes: createChangeSink(db),
    counters,
    signal,
    db,
    hooks: options.hooks,
    lease: options.lease,
    abort: (reason) => own.abort(reason),
    now: options.now ? () => options.now as Date : undefined,
  };
  if (options.lease) ctx.changes = createChangeSink(db, (client) => checkLease(client, ctx));
  return { ctx, counters, close: () => destroyClients(ctx.clients) };
}

/** A pass over one source, recording its counters and status. Never throws for AWS errors. */
export async function runSourcePass(
  source: AwsSource,
  options: PassOptions & ContextOptions = {},
): Promise<PassSummary> {
  const { ctx, counters, close } = createSyncContext(source, options);
  const db = ctx.db ?? defaultPool;
  const fence = options.lease ? ctx : undefined;
  try {
    const summary = await syncSource(ctx, options);
    await recordPass(db, source.id, { counters: counters.drain(), summary, cursors: summary.cursors }, fence);
    return summary;
  } catch (error) {
    await ctx.changes.flush().catch(() => undefined);
    await recordPass(db, source.id, { counters: counters.drain(), error: errorMessage(error) }, fence).catch(
      () => undefined,
    );
    throw error;
  } finally {
    close();
  }
}

/** Two consecutive passes over one source, reported as one. */
function combine(a: PassSummary, b: PassSummary): PassSummary {
  return {
    ...a,
    pipelinesPolled: a.pipelinesPolled + b.pipelinesPolled,
    executionsSynced: a.executionsSynced + b.executionsSynced,
    executionsChanged: a.executionsChanged + b.executionsChanged,
    failures: a.failures + b.failures,
    deferred: a.deferred + b.deferred,
    eventsProcessed: a.eventsProcessed + b.eventsProcessed,
    catchingUp: b.catchingUp,
    jobsPolled: a.jobsPolled === null && b.jobsPolled === null ? null : (a.jobsPolled ?? 0) + (b.jobsPolled ?? 0),
    durationMs: a.durationMs + b.durationMs,
    error: a.error ?? b.error,
    cursors: { ...a.cursors, ...b.cursors },
  };
}

/**
 * `npm run sync -- --once` and tests: upserts the configured sources, then one pass over each (or the one
 * named), `full` by default (reconciliation: whole listings, discovery, registry), followed by as many
 * incremental passes as the catch-up budget needs (STEPWISE_BACKFILL_PER_PASS), so nothing listed is left
 * behind; the passes over one source are reported as one summary.
 */
export async function runSyncPass(
  options: {
    sourceKey?: string;
    full?: boolean;
    db?: pg.Pool;
    log?: SyncLogger;
    hooks?: SyncHooks;
    signal?: AbortSignal;
  } = {},
): Promise<PassSummary[]> {
  const db = options.db ?? defaultPool;
  const configured = loadSourceConfigs();
  if (configured.sources.length > 0) await upsertSources(configured.sources, db);
  const sources = await loadSources(
    { keys: options.sourceKey ? [options.sourceKey] : undefined, enabledOnly: true },
    db,
  );
  if (options.sourceKey && sources.length === 0) throw new Error(`no enabled source with key "${options.sourceKey}"`);
  const summaries: PassSummary[] = [];
  for (const source of sources) {
    let summary = await runSourcePass(source, { ...options, full: options.full ?? true, db });
    while (summary.catchingUp > 0 && !options.signal?.aborted) {
      const [current] = await loadSources({ keys: [source.key] }, db);
      if (!current) break;
      const more = await runSourcePass(current, { ...options, full: false, db });
      summary = combine(summary, more);
      // Nothing tried (what is left waits for a backoff): the worker's passes take it from here.
      if (more.executionsSynced + more.failures === 0) break;
    }
    summaries.push(summary);
  }
  return summaries;
}
