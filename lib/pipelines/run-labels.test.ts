/**
 * The runs a metric series refers to are read once per process when they succeeded, every time otherwise, and a
 * remembered label is never given for another pipeline's run or for a run whose start (or number) is not the one
 * remembered — what a database restored or reset under a running instance looks like. Real Postgres.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { pool } from "@/lib/db";
import { rememberedRuns, runLabels } from "./run-labels";
import { type SeededHistory, seedPipelineHistory } from "./testing";

type Row = { id: number; public_id: string; name: string; status: string; ms: number; run_number: number };

let a: SeededHistory;
let b: SeededHistory;
let runsOfA: Row[];

const runsOf = async (pipelineId: number) =>
  (
    await pool.query<Row>(
      `SELECT id, public_id, name, status::text, stepwise_epoch_ms(started_at) AS ms, run_number
         FROM run WHERE pipeline_id = $1 ORDER BY id`,
      [pipelineId],
    )
  ).rows;
const byTime = (rows: Row[]) => new Map(rows.map((r) => [r.id, r.ms]));

/** The statements runLabels issues while `fn` runs, with the run ids each asked for. */
async function statementsDuring(fn: () => Promise<unknown>): Promise<number[][]> {
  const spy = vi.spyOn(pool, "query");
  try {
    await fn();
    return spy.mock.calls.map((call) =>
      ((call[0] as unknown as { values: unknown[] }).values[1] as number[]).slice().sort(),
    );
  } finally {
    spy.mockRestore();
  }
}

beforeAll(async () => {
  // 20 runs: every 4th failed, the last 2 still running.
  a = await seedPipelineHistory(pool, { runs: 20, failedEvery: 4, running: 2 });
  b = await seedPipelineHistory(pool, { runs: 3 });
  runsOfA = await runsOf(a.pipelineId);
});
afterEach(() => {
  rememberedRuns.clear();
  rememberedRuns.limitTo(50_000);
});
afterAll(async () => {
  await pool.query("DELETE FROM pipeline WHERE id = ANY($1)", [[a.pipelineId, b.pipelineId]]);
});

describe("runLabels", () => {
  it("reads every run once, then only those that did not succeed", async () => {
    const refs = byTime(runsOfA);
    let first = new Map();
    expect(await statementsDuring(async () => (first = await runLabels(a.pipelineId, refs, "time")))).toEqual([
      runsOfA.map((r) => r.id).sort(),
    ]);
    for (const r of runsOfA)
      expect(first.get(r.id)).toEqual({
        publicId: r.public_id,
        name: r.name,
        status: r.status,
        startedAt: r.ms,
        number: r.run_number,
      });

    const notSucceeded = runsOfA.filter((r) => r.status !== "SUCCEEDED").map((r) => r.id);
    expect(notSucceeded).toHaveLength(4 + 2);
    let second = new Map();
    expect(await statementsDuring(async () => (second = await runLabels(a.pipelineId, refs, "time")))).toEqual([
      notSucceeded.sort(),
    ]);
    expect(second).toEqual(first);
    // Only succeeded runs asked for: nothing to read.
    const succeeded = new Map(runsOfA.filter((r) => r.status === "SUCCEEDED").map((r) => [r.id, r.ms]));
    expect(await statementsDuring(() => runLabels(a.pipelineId, succeeded, "time"))).toEqual([]);
  });

  it("shows a failed run's new status once it is redriven", async () => {
    const failed = runsOfA.find((r) => r.status === "FAILED");
    if (!failed) throw new Error("seed has no failed run");
    const refs = new Map([[failed.id, failed.ms]]);
    expect((await runLabels(a.pipelineId, refs, "time")).get(failed.id)?.status).toBe("FAILED");
    await pool.query("UPDATE run SET status = 'RUNNING' WHERE id = $1", [failed.id]);
    try {
      expect((await runLabels(a.pipelineId, refs, "time")).get(failed.id)?.status).toBe("RUNNING");
    } finally {
      await pool.query("UPDATE run SET status = 'FAILED' WHERE id = $1", [failed.id]);
    }
  });

  it("gives no label for another pipeline's run, remembered or not", async () => {
    const refs = byTime(runsOfA);
    await runLabels(a.pipelineId, refs, "time");
    const asked = await statementsDuring(async () => {
      expect((await runLabels(b.pipelineId, refs, "time")).size).toBe(0);
    });
    expect(asked).toEqual([runsOfA.map((r) => r.id).sort()]);
  });

  it("reads a remembered run again when its start or number is not the one remembered (ids reused by a restore)", async () => {
    const run = runsOfA.find((r) => r.status === "SUCCEEDED");
    if (!run) throw new Error("seed has no succeeded run");
    await runLabels(a.pipelineId, byTime(runsOfA), "time");
    expect(rememberedRuns.ids()).toContain(run.id);
    // Another run now holds the id: other name, other start, other number.
    await pool.query(
      `UPDATE run SET name = 'restored-other-run', started_at = started_at + interval '1 second', run_number = -run_number
        WHERE id = $1`,
      [run.id],
    );
    try {
      const moved = await runLabels(a.pipelineId, new Map([[run.id, run.ms + 1000]]), "time");
      expect(moved.get(run.id)?.name).toBe("restored-other-run");
      const renumbered = await runLabels(a.pipelineId, new Map([[run.id, -run.run_number]]), "number");
      expect(renumbered.get(run.id)).toMatchObject({ name: "restored-other-run", number: -run.run_number });
      // The number axis checks the number: the remembered label now matches it, so it is used without a read.
      expect(
        await statementsDuring(() => runLabels(a.pipelineId, new Map([[run.id, -run.run_number]]), "number")),
      ).toEqual([]);
    } finally {
      await pool.query(
        `UPDATE run SET name = $2, started_at = started_at - interval '1 second', run_number = $3 WHERE id = $1`,
        [run.id, run.name, run.run_number],
      );
    }
  });

  it("forgets the oldest remembered runs beyond its limit", async () => {
    rememberedRuns.limitTo(5);
    const succeeded = runsOfA.filter((r) => r.status === "SUCCEEDED");
    // One at a time, so the order in which they are remembered is the order asked.
    for (const run of succeeded) await runLabels(a.pipelineId, new Map([[run.id, run.ms]]), "time");
    expect(rememberedRuns.ids()).toEqual(succeeded.slice(-5).map((r) => r.id));
    // Asked for again, the oldest is not read again, and is still the first to go.
    const oldest = succeeded.at(-5);
    if (!oldest) throw new Error("seed has too few succeeded runs");
    expect(await statementsDuring(() => runLabels(a.pipelineId, new Map([[oldest.id, oldest.ms]]), "time"))).toEqual(
      [],
    );
    expect(rememberedRuns.ids()).toEqual(succeeded.slice(-5).map((r) => r.id));
  });
});
