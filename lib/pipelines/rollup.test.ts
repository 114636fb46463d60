/**
 * The pre-aggregated metric series (migration 20261130300000_metric_rollups) against a real Postgres:
 * run numbers, and rollups kept by triggers in the writing transaction that always equal a rebuild from
 * scratch — through in-order writes, late-arriving metrics, re-syncs with changed and unchanged values,
 * redrives and deletes — and a series read from them that picks exactly the rows a full scan would.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/lib/db";
import { roundNullable, roundSignificant } from "@/lib/metrics/precision";
import { getMetricSeries } from "./queries";
import { MetricSeriesQuery } from "./schema";
import { seedPipelineHistory } from "./testing";

const tag = Math.random().toString(36).slice(2, 8);
const T0 = Date.UTC(2025, 0, 1);
let sourceId = 0;

beforeAll(async () => {
  const { rows } = await pool.query<{ id: number }>(
    `INSERT INTO aws_source (key, account_id, region, updated_at) VALUES ($1, '210987654321', 'eu-west-1', now()) RETURNING id`,
    [`rollup-${tag}`],
  );
  sourceId = rows[0]?.id ?? 0;
});

afterAll(async () => {
  await pool.query("DELETE FROM aws_source WHERE id = $1", [sourceId]);
  await pool.end();
});

async function newPipeline(name: string): Promise<number> {
  const { rows } = await pool.query<{ id: number }>(
    `INSERT INTO pipeline (source_id, state_machine_arn, name, definition, updated_at)
     VALUES ($1, $2, $3, '{}', now()) RETURNING id`,
    [sourceId, `arn:aws:states:eu-west-1:210987654321:stateMachine:${name}-${tag}`, `${name}-${tag}`],
  );
  return rows[0]?.id ?? 0;
}

/** Inserts runs i (1-based, `i` minutes after T0) the way the sync does: one row at a time, no number given. */
async function addRuns(pipelineId: number, from: number, to: number, failed: (i: number) => boolean) {
  for (let i = from; i <= to; i++) {
    await pool.query(
      `INSERT INTO run (public_id, pipeline_id, execution_arn, name, status, started_at)
       VALUES ($1, $2, $3, $4, $5::"RunStatus", $6::timestamptz AT TIME ZONE 'UTC')`,
      [
        `${pipelineId}-${i}-${tag}`,
        pipelineId,
        `arn:aws:states:eu-west-1:210987654321:execution:${pipelineId}:${i}-${tag}`,
        `run-${i}`,
        failed(i) ? "FAILED" : "SUCCEEDED",
        new Date(T0 + i * 60_000).toISOString(),
      ],
    );
  }
}

const value = (i: number, salt = 0) => 0.8 + 0.1 * Math.sin(i / 3 + salt) + ((i * 7919) % 13) / 1000;

/** Upserts run-level metrics for runs `is` in ONE statement (the sync's statement shape). */
async function writeMetrics(pipelineId: number, name: string, is: number[], salt = 0) {
  await pool.query(
    `INSERT INTO run_metric AS m (pipeline_id, run_id, scope, name, value, run_started_at)
     SELECT r.pipeline_id, r.id, 'run', $2, v.value, r.started_at
       FROM unnest($3::text[], $4::float8[]) AS v(public_id, value)
       JOIN run r ON r.public_id = v.public_id AND r.pipeline_id = $1
     ON CONFLICT (run_id, scope, name) DO UPDATE SET value = EXCLUDED.value
      WHERE m.value IS DISTINCT FROM EXCLUDED.value`,
    [pipelineId, name, is.map((i) => `${pipelineId}-${i}-${tag}`), is.map((i) => value(i, salt))],
  );
}

type Snapshot = { rollups: unknown[]; derived: unknown[] };

async function snapshot(client: { query: typeof pool.query }, pipelineId: number): Promise<Snapshot> {
  const rollups = await client.query(
    `SELECT metric, axis, level, block::text, n, lo, hi, dpos, dneg FROM metric_rollup WHERE pipeline_id = $1
      ORDER BY metric, axis, level, block`,
    [pipelineId],
  );
  const derived = await client.query(
    `SELECT run_id, name, run_number, prev_value, base_value, base_n FROM run_metric WHERE pipeline_id = $1
      ORDER BY run_id, name, scope`,
    [pipelineId],
  );
  return { rollups: rollups.rows, derived: derived.rows };
}

/** What a rebuild from scratch produces, computed in a transaction that is rolled back. */
async function rebuilt(pipelineId: number): Promise<Snapshot> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT stepwise_rollup_rebuild($1)", [pipelineId]);
    return await snapshot(client, pipelineId);
  } finally {
    await client.query("ROLLBACK");
    client.release();
  }
}

async function expectConsistent(pipelineId: number) {
  const now = await snapshot(pool, pipelineId);
  expect(now.rollups.length).toBeGreaterThan(0);
  expect(now).toEqual(await rebuilt(pipelineId));
}

describe("run numbers", () => {
  it("numbers each pipeline's runs 1, 2, 3 … and an upsert of a stored run keeps its number", async () => {
    const a = await newPipeline("numbers-a");
    const b = await newPipeline("numbers-b");
    await addRuns(a, 1, 3, () => false);
    await addRuns(b, 1, 2, () => false);
    await addRuns(a, 4, 5, () => false);
    await pool.query(
      `INSERT INTO run AS r (public_id, pipeline_id, execution_arn, name, status, started_at)
       VALUES ($1, $2, $3, 'again', 'SUCCEEDED', now()) ON CONFLICT (execution_arn) DO UPDATE SET name = excluded.name`,
      [`${a}-2-${tag}`, a, `arn:aws:states:eu-west-1:210987654321:execution:${a}:2-${tag}`],
    );
    const { rows } = await pool.query<{ pipeline_id: number; name: string; run_number: number }>(
      "SELECT pipeline_id, name, run_number FROM run WHERE pipeline_id = ANY($1) ORDER BY pipeline_id, run_number",
      [[a, b]],
    );
    expect(rows.map((r) => [r.pipeline_id, r.name, r.run_number])).toEqual([
      [a, "run-1", 1],
      [a, "again", 2],
      [a, "run-3", 3],
      [a, "run-4", 4],
      [a, "run-5", 5],
      [b, "run-1", 1],
      [b, "run-2", 2],
    ]);
  });

  it("gives two transactions storing new runs of one pipeline at the same time different numbers", async () => {
    const p = await newPipeline("numbers-race");
    const first = await pool.connect();
    const second = await pool.connect();
    const insert = (client: typeof first, i: number) =>
      client.query(
        `INSERT INTO run (public_id, pipeline_id, execution_arn, name, status, started_at)
         VALUES ($1, $2, $3, $4, 'RUNNING', now()) RETURNING run_number`,
        [`${p}-race-${i}-${tag}`, p, `arn:aws:states:eu-west-1:210987654321:execution:${p}:race-${i}-${tag}`, `r${i}`],
      );
    try {
      const secondPid = (await second.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid;
      await first.query("BEGIN");
      await second.query("BEGIN");
      const one = await insert(first, 1);
      // The second insert must block behind the first (on its per-pipeline lock) before the first commits —
      // without that lock it would take number 1 too and fail on the unique index.
      const pending = insert(second, 2).catch((error: unknown) => error);
      for (;;) {
        const { rows } = await pool.query<{ waiting: boolean }>(
          "SELECT wait_event_type = 'Lock' AS waiting FROM pg_stat_activity WHERE pid = $1",
          [secondPid],
        );
        if (rows[0]?.waiting) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      await first.query("COMMIT");
      const two = await pending;
      if (two instanceof Error) throw two;
      await second.query("COMMIT");
      expect([one.rows[0]?.run_number, (two as typeof one).rows[0]?.run_number]).toEqual([1, 2]);
    } finally {
      first.release();
      second.release();
    }
  });
});

describe("metric rollups kept by the writing transaction", () => {
  it("equal a rebuild through in-order writes, late metrics, unchanged and changed re-syncs and deletes", async () => {
    const p = await newPipeline("rollup");
    await addRuns(p, 1, 60, (i) => i % 9 === 0);
    const succeeded = Array.from({ length: 60 }, (_, k) => k + 1).filter((i) => i % 9 !== 0);
    // In order, in a few statements.
    await writeMetrics(
      p,
      "validation:auc",
      succeeded.filter((i) => i <= 20),
    );
    await writeMetrics(
      p,
      "validation:auc",
      succeeded.filter((i) => i > 20 && i <= 40),
    );
    await writeMetrics(
      p,
      "validation:loss",
      succeeded.filter((i) => i <= 40),
    );
    await expectConsistent(p);
    // Late metrics: run 50 reports, then the older runs 44 and 41 (their successors' baselines move).
    await writeMetrics(p, "validation:auc", [50]);
    await writeMetrics(p, "validation:auc", [44]);
    await writeMetrics(p, "validation:auc", [41]);
    await expectConsistent(p);
    const before = await snapshot(pool, p);
    // A re-sync with the same values changes nothing.
    await writeMetrics(
      p,
      "validation:auc",
      succeeded.filter((i) => i <= 20),
    );
    expect(await snapshot(pool, p)).toEqual(before);
    // A re-sync with a changed value moves that run's successors' previous value and baseline.
    await writeMetrics(p, "validation:auc", [10], 1);
    await expectConsistent(p);
    const after = await pool.query<{ prev_value: number }>(
      "SELECT prev_value FROM run_metric WHERE name = 'validation:auc' AND run_id = (SELECT id FROM run WHERE public_id = $1)",
      [`${p}-11-${tag}`],
    );
    expect(after.rows[0]?.prev_value).toBe(value(10, 1));
    // A deleted run takes its metric and its failed mark out of the blocks.
    await pool.query("DELETE FROM run WHERE public_id = ANY($1)", [[`${p}-12-${tag}`, `${p}-18-${tag}`]]);
    await expectConsistent(p);
  });

  it("follow a redrive: a failed run that reopens and succeeds leaves the failed marks", async () => {
    const p = await newPipeline("redrive");
    await addRuns(p, 1, 12, (i) => i === 5 || i === 9);
    await writeMetrics(p, "validation:auc", [1, 2, 3, 4, 6, 7, 8, 10, 11, 12]);
    const failedCount = async () =>
      (
        await getMetricSeries({
          pipelineId: p,
          query: MetricSeriesQuery.parse({ names: "validation:auc", width: "200" }),
        })
      ).failed.reduce((n, f) => n + f.count, 0);
    expect(await failedCount()).toBe(2);
    await pool.query(`UPDATE run SET status = 'RUNNING', redrive_count = 1 WHERE public_id = $1`, [`${p}-5-${tag}`]);
    await expectConsistent(p);
    expect(await failedCount()).toBe(1);
    await pool.query(`UPDATE run SET status = 'SUCCEEDED' WHERE public_id = $1`, [`${p}-5-${tag}`]);
    await writeMetrics(p, "validation:auc", [5]);
    await expectConsistent(p);
    expect(await failedCount()).toBe(1);
  });

  it("equal a rebuild after a bulk load (one statement of thousands of rows)", async () => {
    const seeded = await seedPipelineHistory(pool, { runs: 2500, failedEvery: 13, revisionEvery: 900 });
    await expectConsistent(seeded.pipelineId);
  });
});

describe("the series read from the rollups", () => {
  type Row = { x: number; value: number; prev: number | null; runNumber: number; ms: number };
  let pipelineId = 0;
  let rows: Row[] = [];

  beforeAll(async () => {
    const seeded = await seedPipelineHistory(pool, {
      runs: 6000,
      failedEvery: 7,
      tieEvery: 5,
      spacingMs: 37_000,
      regression: { from: 3000, to: 3050, drop: 0.08 },
      metrics: ["validation:auc"],
    });
    pipelineId = seeded.pipelineId;
    const { rows: raw } = await pool.query<{ value: number; prev: number | null; run_number: number; ms: number }>(
      `SELECT m.value, lag(m.value) OVER (ORDER BY m.run_started_at, m.run_id) AS prev, m.run_number,
              (extract(epoch FROM m.run_started_at) * 1000)::float8 AS ms
         FROM run_metric m WHERE m.pipeline_id = $1 AND m.scope = 'run' AND m.name = 'validation:auc'
        ORDER BY m.run_started_at, m.run_id`,
      [pipelineId],
    );
    rows = raw.map((r) => ({ x: 0, value: r.value, prev: r.prev, runNumber: r.run_number, ms: r.ms }));
  });

  /** The buckets the statement promises: whole level-L blocks, edges joined to the first and last bucket. */
  function expectedPoints(xs: Row[], a: number, b: number, buckets: number, unit: number, levels: number) {
    let level = 0;
    for (let l = 1; l <= levels; l++) {
      const s = unit * 4 ** l;
      if (Math.floor((b + 1) / s) - Math.ceil(a / s) >= buckets) level = l;
    }
    const s = level === 0 ? 1 : unit * 4 ** level;
    const c0 = Math.ceil(a / s) * s;
    const c1 = Math.floor((b + 1) / s) * s - 1;
    // A row belongs to the bucket of the level-L block it is in (buckets are unions of whole blocks).
    const bucketOf = (x: number) =>
      x < c0 ? 0 : x > c1 ? buckets - 1 : Math.floor(((Math.floor(x / s) * s - c0) * buckets) / (c1 + 1 - c0));
    const byBucket = new Map<number, Row[]>();
    for (const r of xs) {
      if (r.x < a || r.x > b) continue;
      const k = bucketOf(r.x);
      byBucket.set(k, [...(byBucket.get(k) ?? []), r]);
    }
    const points = new Set<string>();
    for (const members of byBucket.values()) {
      const pick = (better: (p: Row, q: Row) => boolean) => members.reduce((m, r) => (better(r, m) ? r : m));
      const lo = pick((p, q) => p.value < q.value || (p.value === q.value && p.x < q.x));
      const hi = pick((p, q) => p.value > q.value || (p.value === q.value && p.x > q.x));
      // As the answer carries them: values to 7 significant digits (lib/metrics/precision.ts).
      for (const r of [lo, hi]) points.add(`${r.x}:${roundSignificant(r.value)}:${roundNullable(r.prev)}`);
    }
    return { points, count: [...byBucket.values()].reduce((n, m) => n + m.length, 0) };
  }

  const cases = [
    { x: "number" as const, width: 1200, from: null, to: null },
    { x: "number" as const, width: 100, from: 1017, to: 5311 },
    { x: "number" as const, width: 2000, from: 333, to: 900 },
    { x: "time" as const, width: 1200, from: null, to: null },
    { x: "time" as const, width: 64, from: Date.UTC(2024, 0, 1) + 10_000_000, to: null },
    {
      x: "time" as const,
      width: 500,
      from: Date.UTC(2024, 0, 1) + 1234 * 37_000 + 5,
      to: Date.UTC(2024, 0, 1) + 4321 * 37_000,
    },
  ];

  for (const c of cases) {
    it(`picks exactly the min and max row of every pixel bucket: x=${c.x}, width ${c.width}, ${c.from ?? "start"}…${c.to ?? "end"}`, async () => {
      const series = await getMetricSeries({
        pipelineId,
        query: MetricSeriesQuery.parse({
          names: "validation:auc",
          width: String(c.width),
          x: c.x,
          from: c.from === null ? undefined : String(c.from),
          to: c.to === null ? undefined : String(c.to),
        }),
      });
      const s = series.series[0];
      const [a, b] = series.domain ?? [0, 0];
      const xs = rows.map((r) => ({ ...r, x: c.x === "number" ? r.runNumber : r.ms }));
      const expected = expectedPoints(
        xs,
        Math.ceil(a),
        Math.floor(b),
        Math.floor(c.width / 2),
        c.x === "number" ? 1 : 60_000,
        c.x === "number" ? 10 : 12,
      );
      expect(s?.count).toBe(expected.count);
      const got = new Set((s?.x ?? []).map((x, i) => `${x}:${s?.y[i]}:${s?.previous[i]}`));
      expect(got).toEqual(expected.points);
      // Each distinct extreme once: a bucket whose min and max are the same row gives one point, not two.
      expect(s?.x.length).toBe(expected.points.size);
      expect(s?.x.length).toBeLessThanOrEqual(c.width);
    });
  }
});
