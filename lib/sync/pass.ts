/**
 * One sync pass over one source, and `runSyncPass` (all sources, for `npm run sync -- --once`).
 *
 * A pass: discovery when due (every STEPWISE_DISCOVERY_SECONDS, or when `full`); the executions of every
 * pipeline whose next_poll_at has come (listing stops at the first settled run; `full` = reconciliation
 * reads the whole listing); every open run of the source (not history_complete: running, or finished with
 * history still missing); the SageMaker module's running jobs and (when due) model registry; then the
 * batched live changes and the pass's counters and status on the aws_source row.
 *
 * Adaptive polling: a pipeline with running runs is polled again after STEPWISE_ACTIVE_POLL_SECONDS (5),
 * an idle one after STEPWISE_IDLE_POLL_SECONDS (300); open runs are re-synced on every pass (the worker
 * ticks every few seconds); settled runs are never asked about again.
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

  // 1. Discovery.
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

  // 2. Executions of the pipelines that are due.
  const pipelines = await db.query<PipelineRef & { type: string }>(
    `SELECT id, state_machine_arn AS "stateMachineArn", name, revision_id AS "revisionId", type FROM pipeline
      WHERE source_id = $1 AND status <> 'DELETED'
        AND ($2 OR next_poll_at IS NULL OR next_poll_at <= now() AT TIME ZONE 'UTC')
      ORDER BY next_poll_at NULLS FIRST, id`,
    [ctx.source.id, full],
  );
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
  let allPipelinesOk = true;
  await eachLimited(pipelines.rows, CONCURRENCY, async (pipeline) => {
    try {
      // Express state machines keep no execution history in Step Functions: nothing to list (discovery
      // notes it on the pipeline); the pipeline is looked at again at the idle interval.
      const listing =
        pipeline.type === "EXPRESS"
          ? null
          : await guarded(
              ctx,
              { operation: "states:ListExecutions", object: pipeline.stateMachineArn, giveUpWhenGone: false },
              () => listExecutionsToSync(ctx, pipeline, { full }),
            );
      if (listing && !listing.ok) {
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
      // Oldest first and one at a time within a pipeline: see runs.ts on crash safety.
      for (const item of listing?.value.toSync ?? []) {
        await syncOne(pipeline, item.executionArn as string, { item });
      }
      const stats = await db.query<{ running: number; lastRunAt: Date | null }>(
        `SELECT count(*) FILTER (WHERE status IN ('RUNNING', 'PENDING_REDRIVE'))::int AS running,
                max(started_at) AS "lastRunAt"
           FROM run WHERE pipeline_id = $1`,
        [pipeline.id],
      );
      const running = stats.rows[0]?.running ?? 0;
      const wait = running > 0 ? every.activePoll : every.idlePoll;
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
  if (full && allPipelinesOk && !passError) nextCursors.reconciledAt = now.toISOString();

  // 3. Open runs (running, or finished with history still missing) not already synced by the listings,
  //    except those waiting for a backoff (next_sync_at): they cost no call before it.
  const open = await db.query<
    KnownRun & { pipelineArn: string; pipelineName: string; pipelineRevisionId: number | null }
  >(
    `SELECT r.id, r.public_id AS "publicId", r.pipeline_id AS "pipelineId", r.execution_arn AS "executionArn", r.status,
            r.last_event_id AS "lastEventId", r.history_complete AS "historyComplete", r.redrive_count AS "redriveCount",
            p.state_machine_arn AS "pipelineArn", p.name AS "pipelineName", p.revision_id AS "pipelineRevisionId"
       FROM run r JOIN pipeline p ON p.id = r.pipeline_id
      WHERE p.source_id = $1 AND NOT r.history_complete
        AND (r.next_sync_at IS NULL OR r.next_sync_at <= $2::timestamptz AT TIME ZONE 'UTC')
      ORDER BY r.started_at`,
    [ctx.source.id, now.toISOString()],
  );
  const openRuns = open.rows.filter((r) => !synced.has(r.executionArn));
  summary.openRuns = openRuns.length;
  await eachLimited(openRuns, CONCURRENCY, async (r) => {
    const pipeline = {
      id: r.pipelineId,
      stateMachineArn: r.pipelineArn,
      name: r.pipelineName,
      revisionId: r.pipelineRevisionId,
    };
    await syncOne(pipeline, r.executionArn, { known: r });
  });

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

/**
 * `npm run sync -- --once` and tests: upserts the configured sources, then one pass over each (or the one
 * named), `full` by default (reconciliation: whole listings, discovery, registry).
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
    summaries.push(await runSourcePass(source, { ...options, full: options.full ?? true, db }));
  }
  return summaries;
}
