/**
 * EventBridge push, in two halves so the route answers at once whatever the batch:
 *
 * 1. `queueEvents` (the ingest route): validates each event and stores the valid ones in `ingested_event`
 *    in ONE statement (`ON CONFLICT (id) DO NOTHING`: a redelivery is a duplicate and costs nothing), then
 *    wakes the workers (`NOTIFY stepwise_ingest`). Events of an account and region no source syncs are
 *    stored as handled ("ignored").
 * 2. `processQueuedEvents` (each pass of the worker holding a source, under its lease): the queued events
 *    of the source's account and region, oldest first, become targeted syncs —
 *      "Step Functions Execution Status Change"  → describe + new history of that one execution
 *      "SageMaker … Job State Change"             → describe that job (SageMaker module)
 *      "SageMaker Model Package State Change"     → model registry sync (once per pass)
 *    An execution of a state machine no source knows triggers at most one discovery per pass, and the ARN
 *    is remembered as unknown for UNKNOWN_STATE_MACHINE_MS (lib/sync/degrade.ts), so a stream of events
 *    for an unsynced (filtered-out) state machine does not cost a discovery each. An event whose pipeline
 *    belongs to another source of the same account and region is left to that source's pass. A failing
 *    event is retried with backoff, then recorded as failed. Polling remains the safety net.
 */
import "server-only";
import type pg from "pg";
import { z } from "zod";
import { pool as defaultPool } from "@/lib/db";
import { type JobKind, syncJobByName, syncModelRegistry } from "@/lib/sync/sagemaker";
import type { SyncContext } from "./context";
import { loadBackoffs, objectBlocked, rememberFor } from "./degrade";
import { discoverPipelines } from "./discovery";
import { isLeaseLost, readSql, writeSql } from "./fence";
import { errorMessage, type PipelineRef, syncExecutionGuarded } from "./runs";

export const MAX_EVENTS_PER_REQUEST = 100;
export const INGEST_CHANNEL = "stepwise_ingest";
/** How long an execution event's unknown state machine is remembered (no discovery for it meanwhile). */
export const UNKNOWN_STATE_MACHINE_MS = 10 * 60_000;
const UNKNOWN_STATE_MACHINE = "eventbridge:unknown-state-machine";
/** Events handled per pass. */
const BATCH = 500;
const MAX_EVENT_ATTEMPTS = 5;

const EventSchema = z.object({
  id: z.string().min(1).max(200),
  "detail-type": z.string().min(1).max(200),
  source: z.string().min(1).max(200),
  account: z.string().regex(/^\d{12}$/),
  region: z.string().min(1).max(50),
  detail: z.record(z.string(), z.unknown()),
});
export type EventBridgeEvent = z.infer<typeof EventSchema>;

const JOB_EVENTS: Record<string, { kind: JobKind; field: string }> = {
  "SageMaker Training Job State Change": { kind: "TRAINING", field: "TrainingJobName" },
  "SageMaker Processing Job State Change": { kind: "PROCESSING", field: "ProcessingJobName" },
  "SageMaker Transform Job State Change": { kind: "TRANSFORM", field: "TransformJobName" },
  "SageMaker HyperParameter Tuning Job State Change": { kind: "TUNING", field: "HyperParameterTuningJobName" },
};
const EXECUTION_EVENT = "Step Functions Execution Status Change";
const MODEL_PACKAGE_EVENT = "SageMaker Model Package State Change";

export type QueueOutcome = "queued" | "duplicate" | "ignored" | "invalid";
export type QueueResult = { id: string | null; outcome: QueueOutcome; message?: string };

const str = (v: unknown) => (typeof v === "string" && v.length > 0 ? v : null);

/**
 * Stores the valid events (one statement) and wakes the workers. Returns one result per event, in order.
 * Throws only when the database does (the route then answers 503 and EventBridge delivers again).
 */
export async function queueEvents(raw: unknown[], options: { db?: pg.Pool } = {}): Promise<QueueResult[]> {
  const db = options.db ?? defaultPool;
  const results: QueueResult[] = [];
  const valid: EventBridgeEvent[] = [];
  for (const item of raw) {
    const parsed = EventSchema.safeParse(item);
    if (parsed.success) {
      valid.push(parsed.data);
      results.push({ id: parsed.data.id, outcome: "queued" });
      continue;
    }
    const issue = parsed.error.issues[0];
    results.push({
      id: str((item as { id?: unknown } | null)?.id),
      outcome: "invalid",
      message: `${issue?.path.join(".") || "event"}: ${issue?.message ?? "invalid"}`,
    });
  }
  if (valid.length === 0) return results;
  // Duplicate ids inside one batch: the first is queued, the others are duplicates.
  const first = new Map<string, EventBridgeEvent>();
  for (const e of valid) if (!first.has(e.id)) first.set(e.id, e);
  const rows = [...first.values()].map((e) => ({
    id: e.id,
    s: e.source,
    t: e["detail-type"],
    a: e.account,
    r: e.region,
    p: e,
  }));
  const { rows: stored } = await db.query<{ ids: string[]; ignored: string[] }>(
    `WITH x AS (
       SELECT x.*, EXISTS (SELECT 1 FROM aws_source s WHERE s.account_id = x.a AND s.region = x.r AND s.enabled) AS synced
         FROM json_to_recordset($1::json) AS x(id text, s text, t text, a text, r text, p jsonb)
     ), ins AS (
       INSERT INTO ingested_event (id, source, detail_type, received_at, account, region, payload, processed_at, outcome)
       SELECT id, s, t, now() AT TIME ZONE 'UTC', a, r, p,
              CASE WHEN synced THEN NULL ELSE now() AT TIME ZONE 'UTC' END,
              CASE WHEN synced THEN NULL ELSE 'ignored: no source for this account and region' END
         FROM x
       ON CONFLICT (id) DO NOTHING
       RETURNING id, processed_at IS NOT NULL AS ignored
     )
     SELECT coalesce(array_agg(id), '{}') AS ids,
            coalesce(array_agg(id) FILTER (WHERE ignored), '{}') AS ignored,
            CASE WHEN count(*) FILTER (WHERE NOT ignored) > 0 THEN pg_notify('${INGEST_CHANNEL}', '') END AS woke
       FROM ins`,
    [JSON.stringify(rows)],
  );
  const inserted = new Set(stored[0]?.ids ?? []);
  const ignored = new Set(stored[0]?.ignored ?? []);
  const taken = new Set<string>();
  for (const result of results) {
    if (result.outcome !== "queued" || result.id === null) continue;
    if (!inserted.has(result.id) || taken.has(result.id)) {
      result.outcome = "duplicate";
    } else if (ignored.has(result.id)) {
      result.outcome = "ignored";
      result.message = "no source for this account and region";
    }
    taken.add(result.id);
  }
  return results;
}

type Queued = { id: string; detailType: string; payload: unknown; attempts: number };
type Handled = { id: string; outcome: string | null; retryAt: Date | null };

/** Handles the queued events of the context's source (its account and region). Returns how many. */
export async function processQueuedEvents(
  ctx: SyncContext,
  options: { now?: Date /** this pass already ran a discovery */; discovered?: boolean } = {},
): Promise<number> {
  const now = options.now ?? ctx.now?.() ?? new Date();
  const events = await readSql<Queued>(
    ctx,
    `SELECT id, detail_type AS "detailType", payload, attempts FROM ingested_event
      WHERE account = $1 AND region = $2 AND processed_at IS NULL
        AND (next_attempt_at IS NULL OR next_attempt_at <= $3::timestamptz AT TIME ZONE 'UTC')
      ORDER BY received_at, id LIMIT ${BATCH}`,
    [ctx.source.accountId, ctx.source.region, now.toISOString()],
  );
  if (events.length === 0) return 0;
  await loadBackoffs(ctx);
  const state = { discovered: options.discovered ?? false, registry: false };
  const handled: Handled[] = [];
  for (const queued of events) {
    if (ctx.signal?.aborted) break;
    try {
      const outcome = await handleOne(ctx, queued, state);
      if (outcome !== null) handled.push({ id: queued.id, outcome, retryAt: null });
    } catch (error) {
      if (ctx.signal?.aborted || isLeaseLost(error)) throw error;
      const attempts = queued.attempts + 1;
      ctx.log.error("eventbridge: event failed", {
        eventId: queued.id,
        detailType: queued.detailType,
        attempts,
        error: errorMessage(error),
      });
      handled.push(
        attempts >= MAX_EVENT_ATTEMPTS
          ? { id: queued.id, outcome: `failed: ${errorMessage(error)}`.slice(0, 300), retryAt: null }
          : { id: queued.id, outcome: null, retryAt: new Date(now.getTime() + 60_000 * 2 ** (attempts - 1)) },
      );
    }
  }
  if (handled.length > 0) {
    await writeSql(
      ctx,
      "events handled",
      `UPDATE ingested_event e SET attempts = e.attempts + CASE WHEN t.retry IS NULL THEN 0 ELSE 1 END,
          processed_at = CASE WHEN t.retry IS NULL THEN $2::timestamptz AT TIME ZONE 'UTC' END,
          next_attempt_at = t.retry AT TIME ZONE 'UTC', outcome = t.outcome
        FROM unnest($1::text[], $3::text[], $4::timestamptz[]) AS t(id, outcome, retry)
       WHERE e.id = t.id`,
      [
        handled.map((h) => h.id),
        now.toISOString(),
        handled.map((h) => h.outcome),
        handled.map((h) => h.retryAt?.toISOString() ?? null),
      ],
    );
  }
  return handled.filter((h) => h.retryAt === null).length;
}

/** The outcome to record, or null to leave the event for another source's pass. */
async function handleOne(
  ctx: SyncContext,
  queued: Queued,
  state: { discovered: boolean; registry: boolean },
): Promise<string | null> {
  const parsed = EventSchema.safeParse(queued.payload);
  if (!parsed.success) return "invalid: stored payload is not an EventBridge event";
  const event = parsed.data;
  const detailType = event["detail-type"];
  if (detailType === EXECUTION_EVENT) return onExecution(ctx, event, state);
  const job = JOB_EVENTS[detailType];
  if (job) {
    const name = str(event.detail[job.field]);
    if (!name) return `invalid: detail.${job.field} is missing`;
    await syncJobByName(ctx, { kind: job.kind, name });
    return "synced";
  }
  if (detailType === MODEL_PACKAGE_EVENT) {
    if (!state.registry) await syncModelRegistry(ctx);
    state.registry = true;
    return "synced";
  }
  return `ignored: unhandled detail-type "${detailType}"`;
}

async function onExecution(
  ctx: SyncContext,
  event: EventBridgeEvent,
  state: { discovered: boolean },
): Promise<string | null> {
  const executionArn = str(event.detail.executionArn);
  const stateMachineArn = str(event.detail.stateMachineArn);
  if (!executionArn || !stateMachineArn) return "invalid: detail.executionArn and detail.stateMachineArn are required";
  const find = async () =>
    (
      await readSql<PipelineRef & { sourceId: number }>(
        ctx,
        `SELECT id, state_machine_arn AS "stateMachineArn", name, revision_id AS "revisionId", source_id AS "sourceId"
           FROM pipeline WHERE state_machine_arn = $1 AND status <> 'DELETED'`,
        [stateMachineArn],
      )
    )[0];
  let found = await find();
  if (!found) {
    if (objectBlocked(ctx, UNKNOWN_STATE_MACHINE, stateMachineArn)) {
      return "ignored: state machine not synced by any source (remembered)";
    }
    // A state machine created since the last discovery: discover now, once per pass.
    if (!state.discovered) {
      state.discovered = true;
      await discoverPipelines(ctx);
      found = await find();
    }
    if (!found) {
      await rememberFor(ctx, {
        operation: UNKNOWN_STATE_MACHINE,
        object: stateMachineArn,
        reason: "unknown",
        message: "an EventBridge event named a state machine no source syncs (filtered out, or not discovered yet)",
        ms: UNKNOWN_STATE_MACHINE_MS,
      });
      return "ignored: state machine not synced by any source";
    }
  }
  if (found.sourceId !== ctx.source.id) return null;
  const r = await syncExecutionGuarded(ctx, found, executionArn, { force: true });
  if (r.outcome === "failed") throw new Error(r.error ?? "execution sync failed");
  return r.outcome === "synced" ? "synced" : r.outcome;
}

/** Parses a request body into the list of events it carries, or a message for a 400. */
export function parseIngestBody(text: string): { events: unknown[] } | { error: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return { error: `malformed JSON: ${(error as Error).message}` };
  }
  const events = Array.isArray(body) ? body : [body];
  if (events.length === 0) return { error: "no events" };
  if (events.length > MAX_EVENTS_PER_REQUEST) return { error: `at most ${MAX_EVENTS_PER_REQUEST} events per request` };
  if (events.some((e) => e === null || typeof e !== "object" || Array.isArray(e))) {
    return { error: "expected an EventBridge event object or an array of them" };
  }
  return { events };
}
