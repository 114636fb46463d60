/**
 * The bulk write paths against a real Postgres: history events with every character COPY's text format must
 * escape arrive exactly as the statement path would store them and a replay stores nothing twice; the metric
 * point upsert reports only the jobs whose series changed.
 */
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/lib/db";
import { insertHistoryEvents } from "@/lib/sync/history";
import { type PointRow, upsertMetricPoints } from "@/lib/sync/sagemaker/write-points";
import { copyField, copyLine } from "./copy";

const tag = Math.random().toString(36).slice(2, 8);
let sourceId = 0;
let runIds: number[] = [];
let jobId = 0;

beforeAll(async () => {
  const src = await pool.query<{ id: number }>(
    `INSERT INTO aws_source (key, account_id, region, updated_at) VALUES ($1, '310987654321', 'eu-west-1', now()) RETURNING id`,
    [`copy-${tag}`],
  );
  sourceId = src.rows[0]?.id ?? 0;
  const p = await pool.query<{ id: number }>(
    `INSERT INTO pipeline (source_id, state_machine_arn, name, definition, updated_at)
     VALUES ($1, $2, $3, '{}', now()) RETURNING id`,
    [sourceId, `arn:aws:states:eu-west-1:310987654321:stateMachine:copy-${tag}`, `copy-${tag}`],
  );
  const runs = await pool.query<{ id: number }>(
    `INSERT INTO run (public_id, pipeline_id, execution_arn, name, status, started_at)
     SELECT $2 || '-' || i, $1, $3 || i, 'r' || i, 'RUNNING', now() FROM generate_series(1, 2) i RETURNING id`,
    [p.rows[0]?.id, `copy-${tag}`, `arn:aws:states:eu-west-1:310987654321:execution:copy-${tag}:`],
  );
  runIds = runs.rows.map((r) => r.id);
  const job = await pool.query<{ id: number }>(
    `INSERT INTO sagemaker_job (source_id, kind, name, arn, status) VALUES ($1, 'TRAINING', $2, $3, 'InProgress') RETURNING id`,
    [sourceId, `copy-${tag}`, `arn:aws:sagemaker:eu-west-1:310987654321:training-job/copy-${tag}`],
  );
  jobId = job.rows[0]?.id ?? 0;
});

afterAll(async () => {
  await pool.query("DELETE FROM aws_source WHERE id = $1", [sourceId]);
  await pool.end();
});

const nasty = 'tab\there\nnewline\r\\backslash \\N "quoted" \u0000nul ünïcödé 🚀 {"a":"\\u0041"}';

function history(): HistoryEvent[] {
  const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i, 123));
  return [
    {
      id: 1,
      previousEventId: 0,
      type: "ExecutionStarted",
      timestamp: at(1),
      executionStartedEventDetails: { input: nasty },
    },
    {
      id: 2,
      previousEventId: 1,
      type: "PassStateEntered",
      timestamp: at(2),
      stateEnteredEventDetails: { name: nasty, input: "{}" },
    },
    {
      id: 3,
      previousEventId: 2,
      type: "PassStateExited",
      timestamp: at(3),
      stateExitedEventDetails: { name: "x", output: "\\" },
    },
    { id: 4, type: "ExecutionSucceeded", timestamp: at(4) },
  ] as HistoryEvent[];
}

const stored = async (runId: number) =>
  (
    await pool.query(
      `SELECT event_id, previous_event_id, type, "timestamp"::text, details FROM history_event WHERE run_id = $1 ORDER BY event_id`,
      [runId],
    )
  ).rows;

describe("COPY text format", () => {
  it("escapes what COPY would misread and writes null as \\N", () => {
    expect(copyField("a\tb\nc\rd\\e")).toBe("a\\tb\\nc\\rd\\\\e");
    expect(copyField(null)).toBe("\\N");
    expect(copyField("\\N")).toBe("\\\\N");
    expect(copyLine([1, "x", null])).toBe("1\tx\t\\N\n");
  });
});

describe("history events through COPY", () => {
  it("stores exactly what the statement path stores, and a replay adds nothing", async () => {
    const [copied, inserted] = runIds as [number, number];
    expect(await insertHistoryEvents(pool, copied, history())).toBe(4);
    // The statement path: the same events with one already stored (an overlap forces it).
    await insertHistoryEvents(pool, inserted, history().slice(0, 1));
    expect(await insertHistoryEvents(pool, inserted, history())).toBe(3);
    expect(await stored(copied)).toEqual(await stored(inserted));
    const rows = await stored(copied);
    expect(rows[0]?.details).toEqual({ input: nasty.replace("\u0000", "\uFFFD") });
    expect(rows[3]?.previous_event_id).toBeNull();
    expect(rows[0]?.timestamp).toBe("2026-01-01 00:00:01.123");
    // Replaying the whole history, or its tail after new events, stores nothing twice.
    expect(await insertHistoryEvents(pool, copied, history())).toBe(0);
    const more: HistoryEvent[] = [
      { id: 5, previousEventId: 4, type: "PassStateEntered", timestamp: new Date(Date.UTC(2026, 0, 2)) },
    ];
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      expect(await insertHistoryEvents(client, copied, more)).toBe(1);
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    expect((await stored(copied)).map((r) => r.event_id)).toEqual([1, 2, 3, 4, 5]);
  });

  it("deletes a run's events with the run (no foreign key: a trigger does the cascade)", async () => {
    const [copied, inserted] = runIds as [number, number];
    await pool.query("DELETE FROM run WHERE id = $1", [copied]);
    expect(await stored(copied)).toEqual([]);
    expect((await stored(inserted)).length).toBe(4);
  });
});

describe("metric points upsert", () => {
  const points = (n: number, shift = 0): PointRow[] =>
    Array.from({ length: n }, (_, i) => [
      jobId,
      i % 2 ? "validation:loss" : `train:${nasty.replace("\u0000", "")}`,
      Math.floor(i / 2),
      i / 1000 + shift,
      new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    ]);

  it("upserts thousands of points, then reports a job only when its series changed", async () => {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      expect([...(await upsertMetricPoints(client, points(5000)))]).toEqual([jobId]);
      await client.query("COMMIT");
      expect((await upsertMetricPoints(client, points(5000))).size).toBe(0);
      const changed = points(5000);
      changed[4001] = [jobId, "validation:loss", 2000, 99, new Date(Date.UTC(2026, 0, 3)).toISOString()];
      expect([...(await upsertMetricPoints(client, changed))]).toEqual([jobId]);
    } finally {
      client.release();
    }
    const { rows } = await pool.query<{ n: number; v: number; names: string[] }>(
      `SELECT count(*)::int AS n, max(value) AS v, array_agg(DISTINCT name ORDER BY name) AS names FROM metric_point WHERE job_id = $1`,
      [jobId],
    );
    expect(rows[0]).toEqual({
      n: 5000,
      v: 99,
      names: [`train:${nasty.replace("\u0000", "")}`, "validation:loss"].sort(),
    });
  });
});
