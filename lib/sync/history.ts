/**
 * Execution history: fetching only what is new, and the bulk writes of raw events and derived steps.
 *
 * Fetching. AWS has no "events after id N" filter. Paging forward from the start costs ceil(total/1000)
 * calls on *every* poll of a running execution (a 25,000-event run: 25 calls per poll, forever growing).
 * Reading with `reverseOrder: true` from the newest event down to the last stored id costs
 * ceil(new/1000) calls — usually one, whatever the history length — so that is what we do. The new
 * events are only written once all of them are in hand (ids must be contiguous after last_event_id), so
 * the stored history never has a gap even if a fetch fails half-way.
 *
 * Writing. New events (all newer than the newest stored one: a first sync, or what came after last_event_id)
 * go in with binary COPY (lib/db/copy-binary.ts: no per-byte escaping in Node nor scanning in Postgres, and no
 * timestamp parsing); a replay that overlaps stored events uses INSERT … SELECT FROM
 * json_to_recordset(…) ON CONFLICT DO NOTHING, chunked by count and by bytes. Steps: one unnest upsert that
 * only rewrites rows whose values changed, plus one DELETE of keys that disappeared.
 */
import "server-only";
import { GetExecutionHistoryCommand, type HistoryEvent } from "@aws-sdk/client-sfn";
import type pg from "pg";
import { type BinaryColumn, copyBinary } from "@/lib/db/copy-binary";
import type { SyncContext } from "./context";
import type { DerivedStep } from "./derive-steps";
import { historyEventDetails, historyEventFromStored, type StoredHistoryEvent } from "./history-types";

export const TERMINAL_EVENT_TYPES = new Set([
  "ExecutionSucceeded",
  "ExecutionFailed",
  "ExecutionAborted",
  "ExecutionTimedOut",
]);

const PAGE_SIZE = 1000;
const MAX_TOKEN_RESTARTS = 3;

export function isInvalidToken(error: unknown): boolean {
  return (error as { name?: string })?.name === "InvalidToken";
}

/**
 * The events with id > afterId, ascending, read newest-first. Throws when they are not contiguous
 * (the caller then stores nothing and retries on the next pass).
 */
export async function fetchEventsAfter(
  ctx: SyncContext,
  executionArn: string,
  afterId: number,
): Promise<HistoryEvent[]> {
  const byId = new Map<number, HistoryEvent>();
  let restarts = 0;
  let nextToken: string | undefined;
  for (;;) {
    let page: { events?: HistoryEvent[]; nextToken?: string };
    try {
      page = await ctx.clients.sfn.send(
        new GetExecutionHistoryCommand({
          executionArn,
          maxResults: PAGE_SIZE,
          reverseOrder: true,
          includeExecutionData: true,
          nextToken,
        }),
        { abortSignal: ctx.signal },
      );
    } catch (error) {
      // An expired pagination token: start again from the newest event (ids already collected are kept).
      if (isInvalidToken(error) && nextToken && restarts++ < MAX_TOKEN_RESTARTS) {
        nextToken = undefined;
        continue;
      }
      throw error;
    }
    let reached = false;
    for (const event of page.events ?? []) {
      const id = event.id ?? 0;
      if (id <= afterId) {
        reached = true;
        break;
      }
      byId.set(id, event);
    }
    if (reached || !page.nextToken) break;
    nextToken = page.nextToken;
  }
  const events = [...byId.values()].sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
  events.forEach((event, i) => {
    if (event.id !== afterId + i + 1) {
      throw new Error(`history of ${executionArn} is not contiguous after event ${afterId} (got id ${event.id})`);
    }
  });
  return events;
}

/** Postgres text and jsonb cannot hold NUL characters; AWS strings can. */
export function pgText<T extends string | null | undefined>(value: T): T {
  return (typeof value === "string" && value.includes("\u0000") ? value.replaceAll("\u0000", "\uFFFD") : value) as T;
}

/**
 * JSON text jsonb accepts: NUL characters in strings replaced as pgText does. The replacement is made on the
 * values, not on the text — a string holding a backslash followed by "u0000" is kept as it is.
 */
export function pgJson(value: unknown): string {
  const text = JSON.stringify(value);
  if (!text.includes("\\u0000")) return text;
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "string" ? pgText(v) : v));
}

function detailsJson(event: HistoryEvent): string | null {
  const details = historyEventDetails(event);
  return details ? pgJson(details) : null;
}

const EPOCH = new Date(0);
const HISTORY_COPY_TARGET = `history_event (run_id, event_id, previous_event_id, type, "timestamp", details)`;
const HISTORY_COPY_COLUMNS: readonly BinaryColumn[] = ["int4", "int4", "int4", "text", "timestamp", "jsonb"];

const CHUNK_EVENTS = 5_000;
const CHUNK_BYTES = 16 * 1024 * 1024;

/**
 * Bulk-inserts events of one run; returns how many were new. When every event is newer than the newest stored
 * one (the sync's normal case: it fetches only what follows last_event_id, under the execution's lock) they are
 * COPYed; otherwise they go through the idempotent INSERT … ON CONFLICT DO NOTHING below.
 */
export async function insertHistoryEvents(
  client: pg.PoolClient | pg.Pool,
  runId: number,
  events: readonly HistoryEvent[],
): Promise<number> {
  if (events.length === 0) return 0;
  const db = "release" in client ? client : await client.connect();
  try {
    const { rows } = await db.query<{ max: number | null }>(
      "SELECT max(event_id) AS max FROM history_event WHERE run_id = $1",
      [runId],
    );
    const stored = rows[0]?.max ?? 0;
    const ids = new Set<number>();
    let allNew = true;
    for (const event of events) {
      const id = event.id ?? 0;
      if (id <= stored || ids.has(id)) {
        allNew = false;
        break;
      }
      ids.add(id);
    }
    if (!allNew) return await insertOverlapping(db, runId, events);
    function* newRows() {
      for (const event of events) {
        yield [
          runId,
          event.id ?? 0,
          event.previousEventId ?? null,
          pgText(event.type ?? "Unknown"),
          event.timestamp ?? EPOCH,
          detailsJson(event),
        ];
      }
    }
    return await copyBinary(db, HISTORY_COPY_TARGET, HISTORY_COPY_COLUMNS, newRows());
  } finally {
    if (db !== client) db.release();
  }
}

/**
 * The replay path: each chunk travels as ONE json parameter expanded by json_to_recordset (no per-element
 * array-literal escaping in the driver, one parse in Postgres), ON CONFLICT DO NOTHING.
 */
async function insertOverlapping(
  client: pg.PoolClient,
  runId: number,
  events: readonly HistoryEvent[],
): Promise<number> {
  let inserted = 0;
  let parts: string[] = [];
  let bytes = 0;
  const flush = async () => {
    if (parts.length === 0) return;
    const r = await client.query(
      `INSERT INTO history_event (run_id, event_id, previous_event_id, type, "timestamp", details)
       SELECT $1, x.e, x.p, x.t, x.ts, x.d
         FROM json_to_recordset($2::json) AS x(e int, p int, t text, ts timestamp, d jsonb)
       ON CONFLICT (run_id, event_id) DO NOTHING`,
      [runId, `[${parts.join(",")}]`],
    );
    inserted += r.rowCount ?? 0;
    parts = [];
    bytes = 0;
  };
  for (const event of events) {
    const d = detailsJson(event);
    const row = `{"e":${event.id ?? 0},"p":${event.previousEventId ?? "null"},"t":${JSON.stringify(
      pgText(event.type ?? "Unknown"),
    )},"ts":"${(event.timestamp ?? new Date(0)).toISOString()}","d":${d ?? "null"}}`;
    parts.push(row);
    bytes += row.length;
    if (parts.length >= CHUNK_EVENTS || bytes >= CHUNK_BYTES) await flush();
  }
  await flush();
  return inserted;
}

/** Every stored event of a run, rebuilt into the SDK's shape, ascending. */
export async function loadStoredEvents(client: pg.PoolClient | pg.Pool, runId: number): Promise<HistoryEvent[]> {
  const { rows } = await client.query<StoredHistoryEvent>(
    `SELECT event_id AS "eventId", previous_event_id AS "previousEventId", type,
            "timestamp" AT TIME ZONE 'UTC' AS "timestamp", details
       FROM history_event WHERE run_id = $1 ORDER BY event_id`,
    [runId],
  );
  return rows.map(historyEventFromStored);
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/**
 * Upserts the derived steps of a run by (run_id, key) — rows whose values did not change are not written —
 * and deletes steps whose key disappeared. Returns how many rows changed.
 */
export async function writeSteps(client: pg.PoolClient, runId: number, steps: readonly DerivedStep[]): Promise<number> {
  let changed = 0;
  const CHUNK = 2_000;
  for (let i = 0; i < steps.length; i += CHUNK) {
    const chunk = steps.slice(i, i + CHUNK);
    const col = <T>(f: (s: DerivedStep) => T) => chunk.map(f);
    const r = await client.query(
      `INSERT INTO step AS s (run_id, key, parent_key, state_name, state_type, status, entered_at, exited_at,
          entered_event_id, exited_event_id, attempts, map_iteration_index, parallel_branch_index, depth, resource,
          resource_type, input, output, error, cause, job_name, job_arn, attempt_log)
       SELECT $1, k, pk, sn, st, status::"StepStatus", ea::timestamp, xa::timestamp, eid, xid, att, mi, pb, dp, res,
              rt, inp, outp, err, cau, jn, ja, al::jsonb
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[],
                     $10::int[], $11::int[], $12::int[], $13::int[], $14::int[], $15::text[], $16::text[], $17::text[],
                     $18::text[], $19::text[], $20::text[], $21::text[], $22::text[], $23::text[])
           AS x(k, pk, sn, st, status, ea, xa, eid, xid, att, mi, pb, dp, res, rt, inp, outp, err, cau, jn, ja, al)
       ON CONFLICT (run_id, key) DO UPDATE SET parent_key = excluded.parent_key, state_name = excluded.state_name,
          state_type = excluded.state_type, status = excluded.status, entered_at = excluded.entered_at,
          exited_at = excluded.exited_at, entered_event_id = excluded.entered_event_id,
          exited_event_id = excluded.exited_event_id, attempts = excluded.attempts,
          map_iteration_index = excluded.map_iteration_index, parallel_branch_index = excluded.parallel_branch_index,
          depth = excluded.depth, resource = excluded.resource, resource_type = excluded.resource_type,
          input = excluded.input, output = excluded.output, error = excluded.error, cause = excluded.cause,
          job_name = excluded.job_name, job_arn = excluded.job_arn, attempt_log = excluded.attempt_log
        WHERE (s.parent_key, s.state_name, s.state_type, s.status, s.entered_at, s.exited_at, s.entered_event_id,
               s.exited_event_id, s.attempts, s.map_iteration_index, s.parallel_branch_index, s.depth, s.resource,
               s.resource_type, s.input, s.output, s.error, s.cause, s.job_name, s.job_arn, s.attempt_log)
          IS DISTINCT FROM
              (excluded.parent_key, excluded.state_name, excluded.state_type, excluded.status, excluded.entered_at,
               excluded.exited_at, excluded.entered_event_id, excluded.exited_event_id, excluded.attempts,
               excluded.map_iteration_index, excluded.parallel_branch_index, excluded.depth, excluded.resource,
               excluded.resource_type, excluded.input, excluded.output, excluded.error, excluded.cause,
               excluded.job_name, excluded.job_arn, excluded.attempt_log)`,
      [
        runId,
        col((s) => s.key),
        col((s) => s.parentKey),
        col((s) => s.stateName),
        col((s) => s.stateType),
        col((s) => s.status),
        col((s) => iso(s.enteredAt)),
        col((s) => iso(s.exitedAt)),
        col((s) => s.enteredEventId),
        col((s) => s.exitedEventId),
        col((s) => s.attempts),
        col((s) => s.mapIterationIndex),
        col((s) => s.parallelBranchIndex),
        col((s) => s.depth),
        col((s) => pgText(s.resource)),
        col((s) => pgText(s.resourceType)),
        col((s) => pgText(s.input)),
        col((s) => pgText(s.output)),
        col((s) => pgText(s.error)),
        col((s) => pgText(s.cause)),
        col((s) => pgText(s.jobName)),
        col((s) => pgText(s.jobArn)),
        // jsonb refuses \u0000 as text refuses NUL: the same replacement pgText makes.
        col((s) => (s.attemptLog ? pgJson(s.attemptLog) : null)),
      ],
    );
    changed += r.rowCount ?? 0;
  }
  const removed = await client.query("DELETE FROM step WHERE run_id = $1 AND NOT (key = ANY($2::text[]))", [
    runId,
    steps.map((s) => s.key),
  ]);
  return changed + (removed.rowCount ?? 0);
}
