/**
 * EventBridge push: events from the ingest route become immediate, targeted syncs —
 *   "Step Functions Execution Status Change"  → describe + new history of that one execution
 *   "SageMaker … Job State Change"             → describe that job (SageMaker module)
 *   "SageMaker Model Package State Change"     → model registry sync
 * for the source whose account and region match the event. Each event id is recorded in ingested_event
 * after it was handled, and an id already recorded is skipped, so redeliveries cost nothing; handling is
 * idempotent anyway, so a redelivery racing the first delivery only repeats harmless work. A malformed or
 * failing event is logged with its id and skipped; the others go on. EventBridge is best effort, which is
 * why the worker's polling and reconciliation remain the safety net.
 */
import "server-only";
import type pg from "pg";
import { z } from "zod";
import { pool as defaultPool } from "@/lib/db";
import type { AwsSource } from "@/lib/generated/prisma/client";
import { logger, toSyncLogger } from "@/lib/log";
import { type JobKind, syncJobByName, syncModelRegistry } from "@/lib/sync/sagemaker";
import type { SyncContext } from "./context";
import { discoverPipelines } from "./discovery";
import { createSyncContext, recordPass } from "./pass";
import { errorMessage, type PipelineRef, syncExecution } from "./runs";
import { SOURCE_COLUMNS } from "./sources";

export const MAX_EVENTS_PER_REQUEST = 100;

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

export type IngestOutcome = "synced" | "duplicate" | "ignored" | "invalid" | "failed";
export type IngestResult = { id: string | null; outcome: IngestOutcome; message?: string };

const str = (v: unknown) => (typeof v === "string" && v.length > 0 ? v : null);

export async function ingestEvents(
  raw: unknown[],
  options: { db?: pg.Pool; hooks?: SyncContext["hooks"] } = {},
): Promise<IngestResult[]> {
  const db = options.db ?? defaultPool;
  const results: IngestResult[] = [];
  const contexts = new Map<number, ReturnType<typeof createSyncContext>>();
  const contextFor = (source: AwsSource) => {
    let c = contexts.get(source.id);
    if (!c) {
      c = createSyncContext(source, {
        db,
        hooks: options.hooks,
        log: toSyncLogger(logger, { source: source.key, via: "eventbridge" }),
      });
      contexts.set(source.id, c);
    }
    return c.ctx;
  };
  try {
    for (const item of raw) {
      const parsed = EventSchema.safeParse(item);
      if (!parsed.success) {
        const id = str((item as { id?: unknown } | null)?.id);
        const issue = parsed.error.issues[0];
        const message = `${issue?.path.join(".") || "event"}: ${issue?.message ?? "invalid"}`;
        logger.warn({ eventId: id, message }, "eventbridge: malformed event skipped");
        results.push({ id, outcome: "invalid", message });
        continue;
      }
      const event = parsed.data;
      try {
        results.push(await ingestOne(event, db, contextFor));
      } catch (error) {
        logger.error(
          { eventId: event.id, detailType: event["detail-type"], error: errorMessage(error) },
          "eventbridge: event failed",
        );
        results.push({ id: event.id, outcome: "failed", message: "sync failed; it will be retried" });
      }
    }
  } finally {
    for (const { ctx, counters, close } of contexts.values()) {
      await ctx.changes
        .flush()
        .catch((error: unknown) => logger.error({ error: errorMessage(error) }, "live flush failed"));
      await recordPass(db, ctx.source.id, { counters: counters.drain() }).catch(() => undefined);
      close();
    }
  }
  return results;
}

async function ingestOne(
  event: EventBridgeEvent,
  db: pg.Pool,
  contextFor: (source: AwsSource) => SyncContext,
): Promise<IngestResult> {
  const seen = await db.query("SELECT 1 FROM ingested_event WHERE id = $1", [event.id]);
  if (seen.rowCount) return { id: event.id, outcome: "duplicate" };
  const detailType = event["detail-type"];
  const sources = await db.query<AwsSource>(
    `SELECT ${SOURCE_COLUMNS} FROM aws_source WHERE account_id = $1 AND region = $2 AND enabled ORDER BY key`,
    [event.account, event.region],
  );
  let outcome: IngestResult = { id: event.id, outcome: "ignored", message: "no source for this account and region" };
  if (sources.rows.length > 0) {
    if (detailType === EXECUTION_EVENT) outcome = await onExecution(event, sources.rows, db, contextFor);
    else if (JOB_EVENTS[detailType]) {
      const { kind, field } = JOB_EVENTS[detailType];
      const name = str(event.detail[field]);
      if (!name) return { id: event.id, outcome: "invalid", message: `detail.${field} is missing` };
      // The job belongs to whichever matching source; the first one that knows it, else the first.
      await syncJobByName(contextFor(sources.rows[0] as AwsSource), { kind, name });
      outcome = { id: event.id, outcome: "synced" };
    } else if (detailType === MODEL_PACKAGE_EVENT) {
      for (const source of sources.rows) await syncModelRegistry(contextFor(source));
      outcome = { id: event.id, outcome: "synced" };
    } else {
      outcome = { id: event.id, outcome: "ignored", message: `unhandled detail-type "${detailType}"` };
    }
  }
  await db.query(
    `INSERT INTO ingested_event (id, source, detail_type, received_at) VALUES ($1, $2, $3, now() AT TIME ZONE 'UTC')
     ON CONFLICT (id) DO NOTHING`,
    [event.id, event.source, detailType],
  );
  return outcome;
}

async function onExecution(
  event: EventBridgeEvent,
  sources: AwsSource[],
  db: pg.Pool,
  contextFor: (source: AwsSource) => SyncContext,
): Promise<IngestResult> {
  const executionArn = str(event.detail.executionArn);
  const stateMachineArn = str(event.detail.stateMachineArn);
  if (!executionArn || !stateMachineArn) {
    return { id: event.id, outcome: "invalid", message: "detail.executionArn and detail.stateMachineArn are required" };
  }
  const find = () =>
    db.query<PipelineRef & { sourceId: number }>(
      `SELECT id, state_machine_arn AS "stateMachineArn", name, revision_id AS "revisionId", source_id AS "sourceId"
         FROM pipeline WHERE state_machine_arn = $1 AND source_id = ANY($2::int[]) AND status <> 'DELETED'`,
      [stateMachineArn, sources.map((s) => s.id)],
    );
  let found = (await find()).rows[0];
  if (!found) {
    // A state machine created since the last discovery: discover now (a filtered-out one stays unknown).
    for (const source of sources) await discoverPipelines(contextFor(source));
    found = (await find()).rows[0];
    if (!found) return { id: event.id, outcome: "ignored", message: "state machine not synced by any source" };
  }
  const source = sources.find((s) => s.id === found.sourceId) as AwsSource;
  await syncExecution(contextFor(source), found, executionArn, { force: true });
  return { id: event.id, outcome: "synced" };
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
