/**
 * The runs a metric series refers to are read once per process when they succeeded, once per value of the
 * pipeline's relabel counter when they failed, every time when they are running; a remembered label is never
 * given for another pipeline's run or for a run whose start (or number) is not the one remembered — what a
 * database restored or reset under a running instance looks like. The relabel counter is bumped by a trigger in
 * the transaction of any change to a failed run's label, whoever writes it. Real Postgres.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { pool } from "@/lib/db";
import { rememberedRuns, runLabels } from "./run-labels";
import { relabelCounter, type SeededHistory, seedPipelineHistory } from "./testing";

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
const relabelOf = (pipelineId: number) => relabelCounter(pool, pipelineId);

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
  it("reads every run once, then only those still running, and the failed ones again under another counter", async () => {
    const refs = byTime(runsOfA);
    let first = new Map();
    expect(await statementsDuring(async () => (first = await runLabels(a.pipelineId, refs, "time", 7)))).toEqual([
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

    const running = runsOfA.filter((r) => r.status === "RUNNING").map((r) => r.id);
    const failed = runsOfA.filter((r) => r.status === "FAILED").map((r) => r.id);
    expect(running).toHaveLength(2);
    expect(failed).toHaveLength(4);
    let second = new Map();
    expect(await statementsDuring(async () => (second = await runLabels(a.pipelineId, refs, "time", 7)))).toEqual([
      running.sort(),
    ]);
    expect(second).toEqual(first);
    // Another counter: a failed run may have been redriven since, so the failed ones are read again.
    expect(await statementsDuring(() => runLabels(a.pipelineId, refs, "time", 8))).toEqual([
      [...failed, ...running].sort(),
    ]);
    // Only succeeded and (under the counter they were read with) failed runs asked for: nothing to read.
    const ended = new Map(runsOfA.filter((r) => r.status !== "RUNNING").map((r) => [r.id, r.ms]));
    expect(await statementsDuring(() => runLabels(a.pipelineId, ended, "time", 8))).toEqual([]);
  });

  it("shows a failed run's new status once it is redriven, by the counter the redrive bumped", async () => {
    const failed = runsOfA.find((r) => r.status === "FAILED");
    if (!failed) throw new Error("seed has no failed run");
    const refs = new Map([[failed.id, failed.ms]]);
    const before = await relabelOf(a.pipelineId);
    expect((await runLabels(a.pipelineId, refs, "time", before)).get(failed.id)?.status).toBe("FAILED");
    // Redriven by another writer (another instance's sync): nothing in this process hears of it.
    await pool.query("UPDATE run SET status = 'RUNNING' WHERE id = $1", [failed.id]);
    try {
      const after = await relabelOf(a.pipelineId);
      expect(after).toBe(before + 1);
      expect((await runLabels(a.pipelineId, refs, "time", after)).get(failed.id)?.status).toBe("RUNNING");
    } finally {
      await pool.query("UPDATE run SET status = 'FAILED' WHERE id = $1", [failed.id]);
    }
  });

  it("gives no label for another pipeline's run, remembered or not", async () => {
    const refs = byTime(runsOfA);
    await runLabels(a.pipelineId, refs, "time", 0);
    const asked = await statementsDuring(async () => {
      expect((await runLabels(b.pipelineId, refs, "time", 0)).size).toBe(0);
    });
    expect(asked).toEqual([runsOfA.map((r) => r.id).sort()]);
  });

  it("reads a remembered run again when its start or number is not the one remembered (ids reused by a restore)", async () => {
    const run = runsOfA.find((r) => r.status === "SUCCEEDED");
    if (!run) throw new Error("seed has no succeeded run");
    await runLabels(a.pipelineId, byTime(runsOfA), "time", 0);
    expect(rememberedRuns.ids()).toContain(run.id);
    // Another run now holds the id: other name, other start, other number.
    await pool.query(
      `UPDATE run SET name = 'restored-other-run', started_at = started_at + interval '1 second', run_number = -run_number
        WHERE id = $1`,
      [run.id],
    );
    try {
      const moved = await runLabels(a.pipelineId, new Map([[run.id, run.ms + 1000]]), "time", 0);
      expect(moved.get(run.id)?.name).toBe("restored-other-run");
      const renumbered = await runLabels(a.pipelineId, new Map([[run.id, -run.run_number]]), "number", 0);
      expect(renumbered.get(run.id)).toMatchObject({ name: "restored-other-run", number: -run.run_number });
      // The number axis checks the number: the remembered label now matches it, so it is used without a read.
      expect(
        await statementsDuring(() => runLabels(a.pipelineId, new Map([[run.id, -run.run_number]]), "number", 0)),
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
    for (const run of succeeded) await runLabels(a.pipelineId, new Map([[run.id, run.ms]]), "time", 0);
    expect(rememberedRuns.ids()).toEqual(succeeded.slice(-5).map((r) => r.id));
    // Asked for again, the oldest is not read again, and is still the first to go.
    const oldest = succeeded.at(-5);
    if (!oldest) throw new Error("seed has too few succeeded runs");
    expect(await statementsDuring(() => runLabels(a.pipelineId, new Map([[oldest.id, oldest.ms]]), "time", 0))).toEqual(
      [],
    );
    expect(rememberedRuns.ids()).toEqual(succeeded.slice(-5).map((r) => r.id));
  });
});

describe("the relabel counter (trigger run_relabelled)", () => {
  const failedOfA = () => runsOfA.filter((r) => r.status === "FAILED");

  it("counts each statement that changes a failed run's label, once per pipeline, in the statement's transaction", async () => {
    const [one, two] = failedOfA();
    if (!one || !two) throw new Error("seed has too few failed runs");
    const start = await relabelOf(a.pipelineId);
    const otherStart = await relabelOf(b.pipelineId);
    // Two failed runs in one statement: one bump.
    await pool.query("UPDATE run SET status = 'RUNNING' WHERE id = ANY($1)", [[one.id, two.id]]);
    expect(await relabelOf(a.pipelineId)).toBe(start + 1);
    // Back to FAILED: they were running, whose labels are never remembered, so no bump.
    await pool.query("UPDATE run SET status = 'FAILED' WHERE id = ANY($1)", [[one.id, two.id]]);
    expect(await relabelOf(a.pipelineId)).toBe(start + 1);
    // Each part of the label: name, public id, start, number, status (to another ended state).
    for (const change of [
      "name = name || '-x'",
      "public_id = public_id || 'x'",
      "started_at = started_at + interval '1 ms'",
      "run_number = -run_number",
      "status = 'ABORTED'",
    ]) {
      const before = await relabelOf(a.pipelineId);
      await pool.query(`UPDATE run SET ${change} WHERE id = $1`, [one.id]);
      expect(await relabelOf(a.pipelineId), change).toBe(before + 1);
    }
    await pool.query(
      "UPDATE run SET name = $2, public_id = $3, started_at = started_at - interval '1 ms', run_number = $4, status = 'FAILED' WHERE id = $1",
      [one.id, one.name, one.public_id, one.run_number],
    );
    // The other pipeline's counter never moved.
    expect(await relabelOf(b.pipelineId)).toBe(otherStart);
  });

  it("is not bumped by what leaves a failed run's label alone, nor by a change rolled back", async () => {
    const [one] = failedOfA();
    const succeeded = runsOfA.find((r) => r.status === "SUCCEEDED");
    const running = runsOfA.find((r) => r.status === "RUNNING");
    if (!one || !succeeded || !running) throw new Error("seed lacks a failed, succeeded or running run");
    const start = await relabelOf(a.pipelineId);
    // The sync's bookkeeping on a failed run, a running run ending, a succeeded run's columns.
    await pool.query("UPDATE run SET synced_at = now(), last_event_id = last_event_id + 1 WHERE id = $1", [one.id]);
    await pool.query("UPDATE run SET status = 'SUCCEEDED' WHERE id = $1", [running.id]);
    await pool.query("UPDATE run SET status = 'RUNNING' WHERE id = $1", [running.id]);
    await pool.query("UPDATE run SET name = name WHERE pipeline_id = $1", [a.pipelineId]);
    expect(await relabelOf(a.pipelineId)).toBe(start);
    // A redrive that does not commit leaves nothing behind.
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("UPDATE run SET status = 'RUNNING' WHERE id = $1", [one.id]);
      await client.query("ROLLBACK");
    } finally {
      client.release();
    }
    expect(await relabelOf(a.pipelineId)).toBe(start);
  });

  it("goes with its pipeline", async () => {
    const c = await seedPipelineHistory(pool, { runs: 4, failedEvery: 2 });
    await pool.query("UPDATE run SET status = 'RUNNING' WHERE pipeline_id = $1 AND status = 'FAILED'", [c.pipelineId]);
    expect(await relabelOf(c.pipelineId)).toBe(1);
    await pool.query("DELETE FROM pipeline WHERE id = $1", [c.pipelineId]);
    const left = await pool.query("SELECT 1 FROM pipeline_run_relabel WHERE pipeline_id = $1", [c.pipelineId]);
    expect(left.rowCount).toBe(0);
  });
});
