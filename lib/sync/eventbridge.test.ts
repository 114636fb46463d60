/**
 * EventBridge push through the queue: the route stores a whole batch in one statement and answers 202
 * (duplicates and events of accounts no source syncs are said so at once); the worker's pass handles the
 * queued events of its source; a stream of events naming a state machine no source syncs costs one
 * discovery, and the ARN is remembered for UNKNOWN_STATE_MACHINE_MS. Real emulator, real Postgres, fixed
 * `now` for every pass.
 */
import { ListExecutionsCommand, ListStateMachinesCommand } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST } from "@/app/api/ingest/eventbridge/route";
import { pool } from "@/lib/db";
import { UNKNOWN_STATE_MACHINE_MS } from "./eventbridge";
import { createTestSource, deleteSource, resetStats, runPass, sdkClient, startFileEmulator } from "./testing";

const emu = await startFileEmulator({ backfillRuns: 4 });
const SECRET = "contract-ingest-secret";
let saved: string | undefined;

beforeAll(() => {
  saved = process.env.EVENTBRIDGE_SECRET;
  process.env.EVENTBRIDGE_SECRET = SECRET;
});
afterAll(() => {
  if (saved === undefined) delete process.env.EVENTBRIDGE_SECRET;
  else process.env.EVENTBRIDGE_SECRET = saved;
});

const T0 = new Date(Date.UTC(2026, 5, 15, 13, 0, 0));
const later = (ms: number) => new Date(T0.getTime() + ms);

const post = async (events: object[]) => {
  const response = await POST(
    new Request("http://localhost/api/ingest/eventbridge", {
      method: "POST",
      body: JSON.stringify(events),
      headers: { "x-stepwise-ingest-secret": SECRET },
    }),
  );
  return { status: response.status, body: (await response.json()) as { results: { id: string; outcome: string }[] } };
};

const executionEvent = (id: string, executionArn: string, stateMachineArn: string, account = emu.accountId) => ({
  version: "0",
  id,
  "detail-type": "Step Functions Execution Status Change",
  source: "aws.states",
  account,
  region: emu.region,
  time: T0.toISOString(),
  resources: [executionArn],
  detail: { executionArn, stateMachineArn, status: "SUCCEEDED" },
});

describe("EventBridge ingest queue", () => {
  it("queues a batch at once, handles it in the pass, and remembers unknown state machines", async () => {
    const source = await createTestSource(emu);
    const tag = source.key;
    try {
      await runPass(source, { full: true, now: T0 });
      const sfn = sdkClient(emu);
      const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({}));
      const machine = stateMachines[0]?.stateMachineArn as string;
      const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machine }));
      const execution = executions[0]?.executionArn as string;
      const unknown = `arn:aws:states:${emu.region}:${emu.accountId}:stateMachine:not-synced-${tag}`;

      // 100 events in one request: 60 for a known execution, 39 for an unknown state machine, 1 for an
      // account no source syncs.
      const batch = [
        ...Array.from({ length: 60 }, (_, i) => executionEvent(`${tag}-known-${i}`, execution, machine)),
        ...Array.from({ length: 39 }, (_, i) =>
          executionEvent(`${tag}-unknown-${i}`, `${unknown.replace(":stateMachine:", ":execution:")}:x${i}`, unknown),
        ),
        executionEvent(`${tag}-elsewhere`, execution, machine, "000011112222"),
      ];
      const first = await post(batch);
      expect(first.status).toBe(202);
      expect(first.body.results.map((r) => r.outcome)).toEqual([...batch.slice(0, 99).map(() => "queued"), "ignored"]);
      // Redelivered: every event is a duplicate, nothing is queued twice.
      const again = await post(batch);
      expect(again.body.results.every((r) => r.outcome === "duplicate")).toBe(true);

      // The worker's pass (not a full one: discovery is not due) handles the queue.
      await resetStats(emu);
      const pass = await runPass(source, {
        full: false,
        now: later(60_000),
      });
      expect(pass.eventsProcessed).toBe(99);
      const outcomes = await pool.query<{ outcome: string; n: number }>(
        "SELECT outcome, count(*)::int AS n FROM ingested_event WHERE id LIKE $1 GROUP BY outcome ORDER BY outcome",
        [`${tag}-%`],
      );
      expect(outcomes.rows).toEqual([
        { outcome: "ignored: no source for this account and region", n: 1 },
        { outcome: "ignored: state machine not synced by any source", n: 1 },
        { outcome: "ignored: state machine not synced by any source (remembered)", n: 38 },
        { outcome: "synced", n: 60 },
      ]);
      // 39 events for the unknown state machine cost ONE discovery.
      expect(emu.stats().calls["sfn:ListStateMachines"]).toBe(1);

      // Within the memory: more such events cost no discovery at all.
      await post(
        Array.from({ length: 10 }, (_, i) =>
          executionEvent(
            `${tag}-unknown-late-${i}`,
            `${unknown.replace(":stateMachine:", ":execution:")}:y${i}`,
            unknown,
          ),
        ),
      );
      await resetStats(emu);
      await runPass(source, { full: false, now: later(120_000) });
      expect(emu.stats().calls["sfn:ListStateMachines"] ?? 0).toBe(0);

      // Past it: the next such event may discover once more (the state machine could exist by now).
      await post([
        executionEvent(`${tag}-unknown-much-later`, `${unknown.replace(":stateMachine:", ":execution:")}:z`, unknown),
      ]);
      await resetStats(emu);
      await runPass(source, {
        full: false,
        now: later(120_000 + UNKNOWN_STATE_MACHINE_MS + 1),
      });
      expect(emu.stats().calls["sfn:ListStateMachines"]).toBe(1);
      const pending = await pool.query(
        "SELECT count(*)::int AS n FROM ingested_event WHERE id LIKE $1 AND processed_at IS NULL",
        [`${tag}-%`],
      );
      expect(pending.rows[0].n).toBe(0);
    } finally {
      await deleteSource(source.id);
    }
  });
});
