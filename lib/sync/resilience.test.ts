/**
 * Idempotency and fault tolerance of the sync, against the emulator and real Postgres:
 * replays and duplicate EventBridge deliveries leave the database byte-for-byte the same; a crash mid-pass
 * followed by a restart yields exactly the database of an uninterrupted pass; injected throttling and 5xx
 * lose nothing, and afterwards settled runs cost no calls.
 */
import { ListExecutionsCommand, ListStateMachinesCommand } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import { POST } from "@/app/api/ingest/eventbridge/route";
import { pool } from "@/lib/db";
import { processQueuedEvents, queueEvents } from "./eventbridge";
import { createSyncContext, runSourcePass } from "./pass";
import { knownRuns, syncExecution } from "./runs";
import {
  adminStats,
  counts,
  createTestSource,
  deleteSource,
  dumpSource,
  expectMatchesEmulator,
  lastLiveEventId,
  liveEventsOfSource,
  memoryLogger,
  reloadSource,
  resetStats,
  runPass,
  sdkClient,
  startFileEmulator,
} from "./testing";

const emu = await startFileEmulator({ backfillRuns: 14 });

/** One EventBridge "Step Functions Execution Status Change" per execution of the emulator. */
async function executionEvents(prefix: string) {
  const sfn = sdkClient(emu);
  const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({}));
  const events: object[] = [];
  for (const m of stateMachines) {
    const { executions = [] } = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: m.stateMachineArn, maxResults: 1000 }),
    );
    for (const x of executions) {
      events.push({
        version: "0",
        id: `${prefix}-${x.executionArn}`,
        "detail-type": "Step Functions Execution Status Change",
        source: "aws.states",
        account: emu.accountId,
        region: emu.region,
        time: new Date().toISOString(),
        resources: [x.executionArn],
        detail: {
          executionArn: x.executionArn,
          stateMachineArn: m.stateMachineArn,
          name: x.name,
          status: x.status,
          startDate: x.startDate?.getTime(),
          stopDate: x.stopDate?.getTime() ?? null,
        },
      });
    }
  }
  return events;
}

describe("idempotency", () => {
  it("replaying every history and delivering every EventBridge event twice changes no byte", async () => {
    const source = await createTestSource(emu);
    const log = memoryLogger();
    const first = await runSourcePass(source, { full: true, log });
    expect(first.failures).toBe(0);
    const before = await dumpSource(source.id, { withIds: true, wallClock: true });
    expect(before.runs).toHaveLength(14);
    const liveBefore = await lastLiveEventId();

    // Replay: every execution's whole history fetched and written again, steps re-derived.
    const { ctx, close } = createSyncContext(await reloadSource(source.key), { log });
    try {
      const runs = await pool.query(
        `SELECT r.execution_arn, p.id, p.state_machine_arn AS "stateMachineArn", p.name, p.revision_id AS "revisionId"
           FROM run r JOIN pipeline p ON p.id = r.pipeline_id WHERE p.source_id = $1`,
        [source.id],
      );
      for (let round = 0; round < 2; round++) {
        for (const r of runs.rows) {
          const known = (await knownRuns(ctx, [r.execution_arn])).get(r.execution_arn);
          expect(known).toBeDefined();
          const result = await syncExecution(ctx, r, r.execution_arn, {
            force: true,
            known: known && { ...known, lastEventId: 0 },
          });
          expect(result.changed).toBe(false);
        }
      }
      await ctx.changes.flush();
    } finally {
      close();
    }
    expect(await dumpSource(source.id, { withIds: true, wallClock: true })).toEqual(before);

    // Every EventBridge event, delivered twice: queued once, the second delivery is a duplicate; the worker's
    // handling of the queue syncs each execution again and changes nothing.
    const events = await executionEvents(source.key);
    const once = await queueEvents(events);
    expect(once.map((r) => r.outcome)).toEqual(events.map(() => "queued"));
    const twice = await queueEvents(events);
    expect(twice.map((r) => r.outcome)).toEqual(events.map(() => "duplicate"));
    const handling = createSyncContext(await reloadSource(source.key), { log });
    try {
      expect(await processQueuedEvents(handling.ctx)).toBe(events.length);
      expect(await processQueuedEvents(handling.ctx)).toBe(0);
      await handling.ctx.changes.flush();
    } finally {
      handling.close();
    }
    const outcomes = await pool.query(
      "SELECT outcome, count(*)::int AS n FROM ingested_event WHERE id LIKE $1 GROUP BY outcome",
      [`${source.key}-%`],
    );
    expect(outcomes.rows).toEqual([{ outcome: "synced", n: events.length }]);
    const after = await dumpSource(source.id, { withIds: true, wallClock: true });
    expect(counts(after)).toEqual(counts(before));
    expect(after).toEqual(before);
    const ingested = await pool.query("SELECT count(*)::int AS n FROM ingested_event WHERE id LIKE $1", [
      `${source.key}-%`,
    ]);
    expect(ingested.rows[0].n).toBe(events.length);
    // Nothing changed, so no live change was announced for this source's rows.
    expect(await liveEventsOfSource(source.id, liveBefore)).toBe(0);
    await deleteSource(source.id);
  });

  it("the ingest route: 404 without a secret, 401 on a wrong one, 400 on malformed JSON, 202 otherwise", async () => {
    const post = (body: string, secret?: string) =>
      POST(
        new Request("http://localhost/api/ingest/eventbridge", {
          method: "POST",
          body,
          headers: secret ? { "x-stepwise-ingest-secret": secret } : {},
        }),
      );
    const saved = process.env.EVENTBRIDGE_SECRET;
    try {
      delete process.env.EVENTBRIDGE_SECRET;
      expect((await post("{}", "x")).status).toBe(404);
      process.env.EVENTBRIDGE_SECRET = "s3cret-value";
      expect((await post("{}")).status).toBe(401);
      expect((await post("{}", "s3cret-valuf")).status).toBe(401);
      const malformed = await post("{not json", "s3cret-value");
      expect(malformed.status).toBe(400);
      expect(((await malformed.json()) as { error: { code: string; message: string } }).error).toEqual({
        code: "bad_request",
        message: expect.stringMatching(/malformed JSON/),
      });
      expect((await post("42", "s3cret-value")).status).toBe(400);
      // A malformed event is reported and skipped; a well-formed one from an unknown account is ignored.
      const ok = await post(
        JSON.stringify([
          { id: "bad" },
          {
            id: `route-${Date.now()}`,
            "detail-type": "Step Functions Execution Status Change",
            source: "aws.states",
            account: "000000000000",
            region: "eu-west-1",
            detail: { executionArn: "arn:x", stateMachineArn: "arn:y" },
          },
        ]),
        "s3cret-value",
      );
      expect(ok.status).toBe(202);
      const body = (await ok.json()) as { results: { outcome: string }[] };
      expect(body.results.map((r) => r.outcome)).toEqual(["invalid", "ignored"]);
    } finally {
      if (saved === undefined) delete process.env.EVENTBRIDGE_SECRET;
      else process.env.EVENTBRIDGE_SECRET = saved;
    }
  });
});

describe("crash safety", () => {
  it("a crash after N writes, then a normal restart, yields the database of an uninterrupted pass", async () => {
    const reference = await createTestSource(emu);
    expect((await runPass(reference, { full: true })).failures).toBe(0);
    const uninterrupted = await dumpSource(reference.id);
    await deleteSource(reference.id);

    for (const crashAfter of [3, 9]) {
      const source = await createTestSource(emu);
      const controller = new AbortController();
      let writes = 0;
      const crashing = runSourcePass(source, {
        full: true,
        log: memoryLogger(),
        signal: controller.signal,
        hooks: {
          beforeWrite() {
            if (++writes > crashAfter) {
              controller.abort(new Error("injected crash"));
              throw new Error("injected crash");
            }
          },
        },
      });
      await expect(crashing).rejects.toThrow();
      const partial = await dumpSource(source.id);
      expect(partial.runs.length).toBeLessThan(uninterrupted.runs.length);
      // Restart with an ordinary incremental pass: its early stop must not skip what the crash left out.
      const restarted = await runPass(source, { full: false });
      expect(restarted.failures).toBe(0);
      const resumed = await dumpSource(source.id);
      expect(counts(resumed)).toEqual(counts(uninterrupted));
      expect(resumed).toEqual(uninterrupted);
      await deleteSource(source.id);
    }
  });
});

describe("faults", () => {
  it("completes a full sync under 30% throttling and 5xx, then settled runs cost zero calls", async () => {
    const source = await createTestSource(emu);
    emu.setFaults({
      "sfn:*": { throttleRate: 0.3, errorRate: 0.05 },
      "sagemaker:*": { throttleRate: 0.3, errorRate: 0.05 },
      "cloudwatch:*": { throttleRate: 0.3, errorRate: 0.05 },
    });
    const log = memoryLogger();
    try {
      const summary = await runSourcePass(source, { full: true, log });
      expect(summary.failures, JSON.stringify(log.lines.filter((l) => l.level === "error"))).toBe(0);
    } finally {
      emu.setFaults({});
    }
    const faults = emu.stats().faults;
    expect(Object.keys(faults).some((k) => k.endsWith(":throttled"))).toBe(true);
    await expectMatchesEmulator(sdkClient(emu), source);
    const row = await reloadSource(source.key);
    const stats = (row.cursors as { stats: { throttles: Record<string, number>; errors: Record<string, number> } })
      .stats;
    expect(Object.values(stats.throttles).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(Object.values(stats.errors).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(row.lastSuccessAt).not.toBeNull();

    await resetStats(emu);
    await runSourcePass(row, { full: false, log });
    await runPass(source, { full: true, log });
    const calls = await adminStats(emu);
    expect(calls["sfn:DescribeExecution"] ?? 0).toBe(0);
    expect(calls["sfn:GetExecutionHistory"] ?? 0).toBe(0);
    await deleteSource(source.id);
  });
});
