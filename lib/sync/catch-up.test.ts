/**
 * The runs the sync follows come before the catch-up of history. A fresh app's first pass walked the demo's
 * whole back-fill before it looked at the runs it already had, so a run started (and stored at once by the
 * Re-run action) that failed meanwhile showed "Running" for minutes. Against the emulator (real SDK clients)
 * and real Postgres, with a back-fill of one pipeline that the sync has not stored yet and a catch-up budget of
 * BUDGET executions per pass:
 * - a run stored while running, which ended in AWS, has its end written first in the next pass, before any
 *   back-filled execution;
 * - no pass stores more than BUDGET back-filled executions; the catch-up resumes pass after pass, past the newer
 *   run that settled out of order (a listing stopping at it would never see the older executions), and ends
 *   with every execution stored exactly as the emulator has it;
 * - a run the live lane settles ahead of the pipeline's listing does not stop that listing: an older execution
 *   that started and finished since the last listing is stored in the same pass;
 * - the catch-up cursor is written under the pass's lease: once the lease changed hands, it is not written and
 *   the pass stops (lib/sync/fence.ts).
 */
import {
  ListExecutionsCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/lib/db";
import type { RunningEmulator } from "@/lib/emulator";
import type { AwsSource } from "@/lib/generated/prisma/client";
import { discoverPipelines } from "./discovery";
import { createSyncContext, runSourcePass } from "./pass";
import { type PipelineRef, syncExecution } from "./runs";
import {
  createTestSource,
  deleteSource,
  expectMatchesEmulator,
  memoryLogger,
  reloadSource,
  sdkClient,
  startTestEmulator,
} from "./testing";
import { acquireLease } from "./worker";

const BUDGET = 3;
const BACKFILL = 8;
const PIPELINE = "search-ranking-ltr";

describe("catch-up of history after the runs the sync follows", () => {
  let emu: RunningEmulator;
  let sfn: SFNClient;
  let source: AwsSource;
  let pipeline: PipelineRef;
  const log = memoryLogger();
  const saved = process.env.STEPWISE_BACKFILL_PER_PASS;
  /** Labels of the pass's committed writes, in order ("run <execution ARN>" for an execution's sync). */
  let writes: string[] = [];
  const pass = async () => {
    writes = [];
    return runSourcePass(await reloadSource(source.key), {
      log,
      hooks: {
        beforeWrite: (label) => {
          writes.push(label);
        },
      },
    });
  };
  const storedRuns = async () =>
    (
      await pool.query<{ arn: string; status: string; complete: boolean }>(
        `SELECT execution_arn AS arn, status, history_complete AS complete FROM run WHERE pipeline_id = $1`,
        [pipeline.id],
      )
    ).rows;

  beforeAll(async () => {
    process.env.STEPWISE_BACKFILL_PER_PASS = String(BUDGET);
    // Manual task mode holds the live run's tasks (the back-fill runs on its own clock and never waits).
    emu = await startTestEmulator({ backfillRuns: BACKFILL, backfillPipelines: [PIPELINE], taskMode: "manual" });
    sfn = sdkClient(emu);
    source = await createTestSource(emu);
    const { ctx, close } = createSyncContext(source, { log });
    try {
      await discoverPipelines(ctx);
    } finally {
      close();
    }
    const { rows } = await pool.query<PipelineRef>(
      `SELECT id, state_machine_arn AS "stateMachineArn", name, revision_id AS "revisionId"
         FROM pipeline WHERE source_id = $1 AND name = $2`,
      [source.id, PIPELINE],
    );
    pipeline = rows[0] as PipelineRef;
  });

  afterAll(async () => {
    if (saved === undefined) delete process.env.STEPWISE_BACKFILL_PER_PASS;
    else process.env.STEPWISE_BACKFILL_PER_PASS = saved;
    await emu?.stop();
    if (source) await deleteSource(source.id);
  });

  it(`stores a followed run's end before the back-fill, then catches up ${BUDGET} a pass without a gap`, async () => {
    const { executions = [] } = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: pipeline.stateMachineArn, maxResults: 1000 }),
    );
    expect(executions).toHaveLength(BACKFILL);

    // A new run, stored at once while it runs (what the Re-run action does), then ended in AWS.
    const [live] = emu.startDemoRun(PIPELINE);
    if (!live) throw new Error("no run started");
    const now = createSyncContext(await reloadSource(source.key), { log });
    try {
      await syncExecution(now.ctx, pipeline, live, { force: true });
    } finally {
      now.close();
    }
    expect(await storedRuns()).toEqual([{ arn: live, status: "RUNNING", complete: false }]);
    await sfn.send(
      new StopExecutionCommand({ executionArn: live, error: "Test.Stopped", cause: "stopped by the test" }),
    );
    await emu.waitForExecution(live);

    // The next pass (the first full one: discovery, whole listings) writes the run's end before any back-fill.
    const first = await pass();
    const runWrites = writes.filter((label) => label.startsWith("run "));
    expect(runWrites[0], runWrites.join("\n")).toBe(`run ${live}`);
    const afterFirst = await storedRuns();
    expect(afterFirst.find((r) => r.arn === live)).toEqual({ arn: live, status: "ABORTED", complete: true });
    // The catch-up is bounded: some of the back-fill, not all of it.
    const backfilled = (runs: { arn: string }[]) => runs.filter((r) => r.arn !== live).length;
    expect(backfilled(afterFirst)).toBeGreaterThanOrEqual(1);
    expect(backfilled(afterFirst)).toBeLessThanOrEqual(BUDGET);
    expect(first.catchingUp).toBe(1);

    // Later passes (incremental: the first one reconciled) go on where it stopped, BUDGET at most each, though
    // the newest run of the pipeline has settled; each pass stores at least one, so BACKFILL passes are plenty.
    let stored = backfilled(afterFirst);
    let passes = 1;
    while (stored < BACKFILL && passes <= BACKFILL) {
      const summary = await pass();
      passes++;
      expect(summary.full).toBe(false);
      const count = backfilled(await storedRuns());
      expect(count - stored, `pass ${passes}`).toBeGreaterThanOrEqual(1);
      expect(count - stored, `pass ${passes}`).toBeLessThanOrEqual(BUDGET);
      stored = count;
      if (stored < BACKFILL) expect(summary.catchingUp).toBe(1);
      else expect(summary.catchingUp).toBe(0);
    }
    expect(stored).toBe(BACKFILL);
    const { rows } = await pool.query<{ cursors: { catchUp?: unknown } }>(
      "SELECT cursors FROM aws_source WHERE id = $1",
      [source.id],
    );
    expect(rows[0]?.cursors.catchUp).toBeUndefined();
    expect(log.lines.filter((l) => l.level === "error")).toEqual([]);
    await expectMatchesEmulator(sfn, source);
  });
});

describe("a run settled by the live lane, ahead of its pipeline's listing", () => {
  let emu: RunningEmulator;
  let sfn: SFNClient;
  let source: AwsSource;
  const log = memoryLogger();
  const pass = async () => runSourcePass(await reloadSource(source.key), { log });
  // {"hold": true} waits (for days, at the test's time scale for minutes) until the test stops it.
  const definition = {
    StartAt: "Hold",
    States: {
      Hold: {
        Type: "Choice",
        Choices: [{ Variable: "$.hold", BooleanEquals: true, Next: "Wait" }],
        Default: "Done",
      },
      Wait: { Type: "Wait", Seconds: 100_000_000, Next: "Done" },
      Done: { Type: "Pass", End: true },
    },
  };

  beforeAll(async () => {
    emu = await startTestEmulator({ demo: false });
    sfn = sdkClient(emu);
    source = await createTestSource(emu);
  });

  afterAll(async () => {
    await emu?.stop();
    if (source) await deleteSource(source.id);
  });

  it("does not stop the listing: an older new execution is stored in the same pass", async () => {
    const machine = emu.createStateMachine({ name: `live-lane-${Date.now()}`, definition: JSON.stringify(definition) });
    const start = async (hold: boolean) => {
      const { executionArn = "" } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: machine.arn, input: JSON.stringify({ hold }) }),
      );
      return executionArn;
    };
    const first = await start(false);
    await emu.waitForExecution(first);
    await pass();
    const { rows } = await pool.query<PipelineRef>(
      `SELECT id, state_machine_arn AS "stateMachineArn", name, revision_id AS "revisionId"
         FROM pipeline WHERE source_id = $1`,
      [source.id],
    );
    const pipeline = rows[0] as PipelineRef;

    // Since that listing: one execution ran start to end, and a newer one was stored at once (a Re-run) and
    // has ended too.
    const older = await start(false);
    await emu.waitForExecution(older);
    const followed = await start(true);
    const now = createSyncContext(await reloadSource(source.key), { log });
    try {
      await syncExecution(now.ctx, pipeline, followed, { force: true });
    } finally {
      now.close();
    }
    await sfn.send(new StopExecutionCommand({ executionArn: followed }));
    await emu.waitForExecution(followed);
    // The pipeline is due (as it is every few seconds while it has a running run).
    await pool.query("UPDATE pipeline SET next_poll_at = NULL WHERE id = $1", [pipeline.id]);

    const summary = await pass();
    expect(summary.full).toBe(false);
    const stored = await pool.query<{ arn: string; status: string }>(
      "SELECT execution_arn AS arn, status FROM run WHERE pipeline_id = $1",
      [pipeline.id],
    );
    expect(new Map(stored.rows.map((r) => [r.arn, r.status]))).toEqual(
      new Map([
        [first, "SUCCEEDED"],
        [older, "SUCCEEDED"],
        [followed, "ABORTED"],
      ]),
    );
    expect(log.lines.filter((l) => l.level === "error")).toEqual([]);
    await expectMatchesEmulator(sfn, source);
  });
});

describe("the catch-up cursor under a lease", () => {
  let emu: RunningEmulator;
  let source: AwsSource;
  const saved = process.env.STEPWISE_BACKFILL_PER_PASS;

  beforeAll(async () => {
    process.env.STEPWISE_BACKFILL_PER_PASS = "1";
    emu = await startTestEmulator({ backfillRuns: 4, backfillPipelines: [PIPELINE] });
    source = await createTestSource(emu);
  });

  afterAll(async () => {
    if (saved === undefined) delete process.env.STEPWISE_BACKFILL_PER_PASS;
    else process.env.STEPWISE_BACKFILL_PER_PASS = saved;
    await emu?.stop();
    if (source) await deleteSource(source.id);
  });

  it("is fenced: once another instance holds the lease, the pass writes no cursor and stops", async () => {
    const owner = `catch-up-test-${source.id}`;
    const held = await acquireLease(pool, source.id, owner, 60);
    if (!held) throw new Error("no lease");
    let tookOver = false;
    const pass = runSourcePass(held, {
      log: memoryLogger(),
      lease: { owner, epoch: held.leaseEpoch },
      hooks: {
        atWrite: async (label) => {
          // Another instance takes the source over just before the first catch-up cursor is written.
          if (!label.startsWith("catch-up") || tookOver) return;
          tookOver = true;
          await pool.query(
            `UPDATE aws_source SET lease_owner = 'another-instance', lease_epoch = lease_epoch + 1,
                lease_expires_at = (now() AT TIME ZONE 'UTC') + interval '1 minute' WHERE id = $1`,
            [source.id],
          );
        },
      },
    });
    await expect(pass).rejects.toThrow(/no longer held/);
    expect(tookOver).toBe(true);
    const { rows } = await pool.query<{ cursors: { catchUp?: unknown }; runs: number }>(
      `SELECT s.cursors, (SELECT count(*)::int FROM run r JOIN pipeline p ON p.id = r.pipeline_id
                            WHERE p.source_id = s.id) AS runs
         FROM aws_source s WHERE s.id = $1`,
      [source.id],
    );
    expect(rows[0]?.cursors.catchUp).toBeUndefined();
    expect(rows[0]?.runs).toBe(0);
  });
});
