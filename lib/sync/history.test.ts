/**
 * insertHistoryEvents against a real Postgres: the COPY path (every event new) stores exactly what the statement
 * path (an overlap) stores — for details far larger than a COPY chunk, unicode, NUL, events without details or
 * timestamp, instants before 2000 — and overlapping or repeated ids never store an event twice nor change one.
 */
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/lib/db";
import { insertHistoryEvents, loadStoredEvents, pgJson } from "./history";

const tag = Math.random().toString(36).slice(2, 8);
let sourceId = 0;
let runIds: number[] = [];

beforeAll(async () => {
  const account = String(Math.floor(Math.random() * 9e11) + 1e11);
  const src = await pool.query<{ id: number }>(
    `INSERT INTO aws_source (key, account_id, region, updated_at) VALUES ($1, $2, 'eu-west-1', now()) RETURNING id`,
    [`history-${tag}`, account],
  );
  sourceId = src.rows[0]?.id ?? 0;
  const p = await pool.query<{ id: number }>(
    `INSERT INTO pipeline (source_id, state_machine_arn, name, definition, updated_at)
     VALUES ($1, $2, $3, '{}', now()) RETURNING id`,
    [sourceId, `arn:aws:states:eu-west-1:${account}:stateMachine:history-${tag}`, `history-${tag}`],
  );
  const runs = await pool.query<{ id: number }>(
    `INSERT INTO run (public_id, pipeline_id, execution_arn, name, status, started_at)
     SELECT $2 || '-' || i, $1, $3 || i, 'r' || i, 'RUNNING', now() FROM generate_series(1, 4) i ORDER BY i RETURNING id`,
    [p.rows[0]?.id, `history-${tag}`, `arn:aws:states:eu-west-1:${account}:execution:history-${tag}:`],
  );
  runIds = runs.rows.map((r) => r.id);
});

afterAll(async () => {
  await pool.query("DELETE FROM aws_source WHERE id = $1", [sourceId]);
  await pool.end();
});

const HUGE = 3 * 1024 * 1024; // beyond the encoder's 1 MiB chunk, and the 256 KiB AWS allows per payload

/** Events that stress the encoding: huge details, unicode, NUL, no details, no timestamp, 1969 and 2000. */
function hostileHistory(): HistoryEvent[] {
  const unicode = 'ünïcödé 🚀 𝔘 \u2028\u2029 ﷽ "q" \\ \t\n\r \\u0000 literal';
  const events: Omit<HistoryEvent, "id" | "previousEventId">[] = [
    {
      type: "ExecutionStarted",
      timestamp: new Date(Date.UTC(1969, 6, 20, 20, 17, 40, 5)),
      executionStartedEventDetails: { input: JSON.stringify({ unicode, nul: "a\u0000b" }), roleArn: "arn\u0000role" },
    },
    {
      type: "TaskStateEntered",
      timestamp: new Date(Date.UTC(2000, 0, 1)),
      stateEnteredEventDetails: { name: `Huge ${unicode}`, input: JSON.stringify({ blob: "é".repeat(HUGE) }) },
    },
    // No timestamp (stored as the epoch) and a type whose details member is absent.
    { type: "TaskStarted" } as Omit<HistoryEvent, "id" | "previousEventId">,
    {
      type: "TaskSucceeded",
      timestamp: new Date(Date.UTC(2026, 10, 30, 23, 59, 59, 999)),
      taskSucceededEventDetails: { resource: "invoke", resourceType: "lambda", output: "\u0000" },
    },
    { type: "ExecutionSucceeded", timestamp: new Date(Date.UTC(2026, 11, 1)) },
  ];
  return events.map((e, i) => ({ ...e, id: i + 1, previousEventId: i === 0 ? undefined : i }));
}

const stored = async (runId: number) =>
  (
    await pool.query(
      `SELECT event_id, previous_event_id, type, "timestamp"::text, details FROM history_event
        WHERE run_id = $1 ORDER BY event_id`,
      [runId],
    )
  ).rows;

describe("insertHistoryEvents", () => {
  it("stores hostile events through COPY exactly as the statement path stores them", async () => {
    const [copied, statement] = runIds as [number, number];
    expect(await insertHistoryEvents(pool, copied, hostileHistory())).toBe(5);
    // An event stored first makes the whole batch overlap: the statement path.
    await insertHistoryEvents(pool, statement, hostileHistory().slice(0, 1));
    expect(await insertHistoryEvents(pool, statement, hostileHistory())).toBe(4);
    const rows = await stored(copied);
    expect(rows).toEqual(await stored(statement));
    expect(rows.map((r) => r.timestamp)).toEqual([
      "1969-07-20 20:17:40.005",
      "2000-01-01 00:00:00",
      "1970-01-01 00:00:00",
      "2026-11-30 23:59:59.999",
      "2026-12-01 00:00:00",
    ]);
    expect(rows[0]?.previous_event_id).toBeNull();
    // A real NUL becomes U+FFFD (Postgres cannot store it); NUL *escaped inside a JSON payload* stays as sent.
    expect(rows[0]?.details.roleArn).toBe("arn\uFFFDrole");
    expect(JSON.parse(rows[0]?.details.input)).toEqual({ unicode: expect.any(String), nul: "a\u0000b" });
    expect(JSON.parse(rows[1]?.details.input).blob).toHaveLength(HUGE);
    expect(rows[2]?.details).toBeNull();
    expect(rows[3]?.details.output).toBe("\uFFFD");
    // Read back into the SDK's shape, the huge event is the one that went in (the sync derives steps from these).
    const back = await loadStoredEvents(pool, copied);
    expect(back[1]).toEqual(hostileHistory()[1]);
  });

  it("never stores an event twice nor changes a stored one, whatever ids overlap or repeat", async () => {
    const [, , run] = runIds as [number, number, number];
    const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i));
    const event = (id: number, name: string): HistoryEvent => ({
      id,
      previousEventId: id - 1,
      type: "PassStateEntered",
      timestamp: at(id),
      stateEnteredEventDetails: { name },
    });
    expect(
      await insertHistoryEvents(
        pool,
        run,
        [1, 2, 3].map((id) => event(id, "first")),
      ),
    ).toBe(3);
    // A replay that overlaps the stored tail, with one id repeated within the batch.
    expect(
      await insertHistoryEvents(
        pool,
        run,
        [2, 3, 4, 4, 5].map((id) => event(id, "second")),
      ),
    ).toBe(2);
    // Out of order and all new: still stored once each.
    expect(
      await insertHistoryEvents(
        pool,
        run,
        [7, 6].map((id) => event(id, "third")),
      ),
    ).toBe(2);
    // All new but an id repeated: the statement path, each stored once.
    expect(
      await insertHistoryEvents(
        pool,
        run,
        [8, 9, 8].map((id) => event(id, "fourth")),
      ),
    ).toBe(2);
    const rows = await stored(run);
    expect(rows.map((r) => [r.event_id, r.details.name])).toEqual([
      [1, "first"],
      [2, "first"],
      [3, "first"],
      [4, "second"],
      [5, "second"],
      [6, "third"],
      [7, "third"],
      [8, "fourth"],
      [9, "fourth"],
    ]);
  });

  it("rolls back with the transaction it is written in", async () => {
    const [, , , run] = runIds as [number, number, number, number];
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      expect(await insertHistoryEvents(client, run, hostileHistory())).toBe(5);
      await client.query("ROLLBACK");
    } finally {
      client.release();
    }
    expect(await stored(run)).toEqual([]);
  });
});

describe("pgJson", () => {
  it("replaces NUL characters in values and keeps a literal backslash-u0000 as written", () => {
    const value = { nul: "a\u0000b", literal: "C:\\u0000\\dir", nested: [{ cause: "\u0000" }] };
    const parsed = JSON.parse(pgJson(value));
    expect(parsed).toEqual({ nul: "a\uFFFDb", literal: "C:\\u0000\\dir", nested: [{ cause: "\uFFFD" }] });
    expect(pgJson({ plain: "x" })).toBe('{"plain":"x"}');
  });
});
