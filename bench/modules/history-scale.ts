/**
 * Past one Postgres, in the bench (docs/scale.md): does a run page, a step's detail (which reads history events)
 * or an ingest batch slow down as history_event grows? Measures them, grows the table to --history-events=N
 * (default 50M at full scale, 2M at quick) with synthetic events spread over the seeded runs (the 2,000-step run
 * gets its full history), and measures again. Opt-in: `npm run bench -- --only=history-scale` (growing the table
 * to 50M rows takes a while and ~10 GB of disk); the rows stay, so a second run starts from the grown table.
 */
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { sample, summarise } from "../lib/stats";
import type { BenchContext, BenchModule, Measurement } from "../lib/types";
import { seededScale } from "../seed";
import { timeGet } from "./http-pages";

async function ingestBatch(ctx: BenchContext, pipelineId: number, tag: string): Promise<number[]> {
  const { insertHistoryEvents } = await import("@/lib/sync/history");
  const { rows } = await ctx.pool.query<{ id: number }>(
    `INSERT INTO run (public_id, pipeline_id, execution_arn, name, status, started_at)
     SELECT $2 || '-' || i, $1, 'arn:aws:states:eu-west-1:000000000000:execution:hs:' || $2 || '-' || i, 'hs', 'RUNNING', now()
       FROM generate_series(1, 12) i RETURNING id`,
    [pipelineId, tag],
  );
  const payload = JSON.stringify({ step: "s", rows: 123_456, metrics: { auc: 0.91, loss: 0.123 } });
  const events = (n: number): HistoryEvent[] =>
    Array.from({ length: n }, (_, i) => ({
      id: i + 1,
      previousEventId: i,
      type: "TaskStateEntered",
      timestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000),
      stateEnteredEventDetails: { name: `S${i}`, input: payload },
    }));
  let k = 0;
  const times = await sample(
    async () => {
      await insertHistoryEvents(ctx.pool, rows[k++]?.id ?? 0, events(1000));
    },
    10,
    2,
  );
  await ctx.pool.query("DELETE FROM run WHERE id = ANY($1::int[])", [rows.map((r) => r.id)]);
  return times;
}

export const historyScale: BenchModule = {
  name: "history-scale",
  optIn: true,
  async run(ctx) {
    const seeded = await seededScale(ctx.pool);
    if (!seeded) return [];
    const arg = ctx.args.find((a) => a.startsWith("--history-events="));
    const target = arg ? Number(arg.split("=")[1]) : ctx.scale === "quick" ? 2_000_000 : 50_000_000;
    const big = seeded.info.bigRunPublicId;
    const { rows: bigRow } = await ctx.pool.query<{ id: number; key: string }>(
      `SELECT r.id, (SELECT s.key FROM step s WHERE s.run_id = r.id ORDER BY s.entered_event_id OFFSET 1000 LIMIT 1) AS key
         FROM run r WHERE r.public_id = $1`,
      [big],
    );
    const bigId = bigRow[0]?.id ?? 0;
    const stepKey = bigRow[0]?.key ?? "";
    const iterations = ctx.scale === "quick" ? 30 : 100;

    const measureAll = async (label: string) => {
      // The planner's estimate, refreshed first: an unanalysed table reads 0 (or -1) there, as the first run's
      // "before" line did while the table held the big run's 10,005 events.
      await ctx.pool.query("ANALYZE history_event");
      const count = Number(
        (
          await ctx.pool.query<{ n: string }>(
            "SELECT greatest(reltuples, 0)::bigint AS n FROM pg_class WHERE relname = 'history_event'",
          )
        ).rows[0]?.n ?? 0,
      );
      const page = await timeGet(ctx, `/runs/${big}`, "cookie", iterations);
      const detail = await timeGet(
        ctx,
        `/api/v1/runs/${big}/steps/${stepKey.split("/").map(encodeURIComponent).join("/")}`,
        "token",
        iterations,
      );
      const ingest = summarise(await ingestBatch(ctx, seeded.info.largestPipelineId, `hs-${label}-${Date.now()}`));
      return { count, page, detail, ingest };
    };

    // The big run's own history first (so its step detail reads real rows), then filler over the other runs.
    await ctx.pool.query(
      `INSERT INTO history_event (run_id, event_id, previous_event_id, type, "timestamp", details)
       SELECT $1, g, g - 1, CASE WHEN g % 5 = 0 THEN 'TaskStateEntered' ELSE 'TaskSucceeded' END, now(),
              jsonb_build_object('name', 'S' || g, 'output', '{"auc":0.91}')
         FROM generate_series(1, 10005) g
       ON CONFLICT DO NOTHING`,
      [bigId],
    );
    const before = await measureAll("before");
    const perRun = 50;
    const { rows: bounds } = await ctx.pool.query<{ lo: number; hi: number }>(
      "SELECT min(id) AS lo, max(id) AS hi FROM run WHERE public_id LIKE 'b%'",
    );
    const lo = bounds[0]?.lo ?? 0;
    const hi = bounds[0]?.hi ?? 0;
    // Run r gets events (k·perRun, (k+1)·perRun] for the k-th pass over all runs: idempotent and resumable.
    let count = before.count;
    let pass = 0;
    while (count < target && hi > lo) {
      const chunkRuns = 100_000;
      for (let from = lo; from <= hi && count < target; from += chunkRuns) {
        const started = performance.now();
        const r = await ctx.pool.query(
          `INSERT INTO history_event (run_id, event_id, previous_event_id, type, "timestamp", details)
           SELECT r.id, 20000 + $3 * $4 + e, 20000 + $3 * $4 + e - 1, 'TaskSucceeded', r.started_at + e * interval '1 second',
                  jsonb_build_object('output', '{"auc":0.91,"loss":0.123}', 'resource', 'createTrainingJob.sync')
             FROM run r CROSS JOIN generate_series(1, $4::int) e
            WHERE r.id BETWEEN $1 AND $2 AND r.id <> $5
           ON CONFLICT DO NOTHING`,
          [from, Math.min(from + chunkRuns - 1, hi), pass, perRun, bigId],
        );
        count += r.rowCount ?? 0;
        ctx.log(
          `  history-scale: ${count.toLocaleString("en-US")} events (+${(r.rowCount ?? 0).toLocaleString("en-US")} in ${((performance.now() - started) / 1000).toFixed(1)} s)`,
        );
      }
      pass++;
    }
    const after = await measureAll("after");
    const out: Measurement[] = [];
    const pair = (name: string, a: { p50: number; p95: number } | undefined, b: typeof a, target: string) => {
      if (!a || !b) return;
      out.push({
        name: `${name} at ${after.count.toLocaleString("en-US")} history events`,
        unit: "ms",
        value: b.p50,
        target,
        met: b.p50 <= a.p50 * 1.5,
        ratio: {
          value: b.p50 / a.p50,
          baseline: `p50 at ${before.count.toLocaleString("en-US")} events (${a.p50.toFixed(1)} ms)`,
        },
        notes: `p95 ${a.p95.toFixed(1)} → ${b.p95.toFixed(1)} ms`,
      });
    };
    pair(
      "run page (2,000 steps) server time",
      before.page?.times,
      after.page?.times,
      "no slower with table size (≤ 1.5×)",
    );
    pair(
      "step detail (reads history events) server time",
      before.detail?.times,
      after.detail?.times,
      "no slower with table size (≤ 1.5×)",
    );
    pair("ingest batch of 1,000 events", before.ingest, after.ingest, "no slower with table size (≤ 1.5×)");
    return out;
  },
};
