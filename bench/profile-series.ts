/**
 * Where the metric series endpoint's time goes, on the bench database (`npm run bench -- --quick --only=pages`
 * seeds it), for the largest pipeline and the curve pipelines, 3 metrics at 1,200 px (the bench's request):
 *
 *   npx tsx --conditions=react-server bench/profile-series.ts [--quick|--full] [--iterations=30]
 *
 * Prints EXPLAIN (ANALYZE, BUFFERS) of the statement with the real parameters, then the median of each part
 * done in this process: SQL on the server (EXPLAIN's execution time), the statement through pg (execution +
 * row transfer + row parsing), getMetricSeries as a whole (adds the runs' labels and the JS assembly), JSON.stringify, and gzip
 * at level 6 (what Next.js used before scripts/next-server.mjs took compression over), level 1 and brotli 4 (what
 * the server now sends), with sizes. Authentication and Next's routing are what the
 * HTTP figure adds on top (the bench's `pages` module).
 *
 * `--allocations` adds, for the largest pipeline, what one getMetricSeries + JSON.stringify allocates on the
 * JavaScript heap (V8's sampling heap profiler, garbage included), by allocating function and its callers.
 */
import { Session } from "node:inspector/promises";
import path from "node:path";
import { brotliCompressSync, gzipSync, constants as zlib } from "node:zlib";
import { type MetricSeriesTuple, seriesRunRefs } from "@/lib/pipelines/sql/metric-series";
import { resolveDatabase } from "@/lib/runtime/database";
import { METRIC_NAMES, SEED_VERSION, seededScale } from "./seed";

const scale = process.argv.includes("--full") ? "full" : "quick";
const iterations = Number(process.argv.find((a) => a.startsWith("--iterations="))?.slice(13) ?? 30);
process.env.STEPWISE_DATA_DIR ??= path.resolve(`.data/bench-${scale}-v${SEED_VERSION}`);
const db = await resolveDatabase();
process.env.DATABASE_URL = db.url;
const { pool } = await import("@/lib/db");
const { assembleMetricSeries, getMetricSeries } = await import("@/lib/pipelines/queries");
const { runLabels } = await import("@/lib/pipelines/run-labels");
const { MetricSeriesQuery } = await import("@/lib/pipelines/schema");
const { metricDirection } = await import("@/lib/metrics/direction");
const { metricSeriesRollupSql, metricSeriesRollupParams } = await import("@/lib/pipelines/sql/metric-series-rollup");

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};
async function time(fn: () => unknown | Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  // Min and median: on a shared machine the minimum is the figure least disturbed by other load.
  lows.push(Math.min(...times));
  return median(times);
}
/** The bench's series request (bench/seed.ts seriesPath), as the route parses it. */
const query = MetricSeriesQuery.parse({ names: METRIC_NAMES.join(","), width: "1200" });
const lows: number[] = [];
const low = () => `min ${(lows.at(-1) ?? Number.NaN).toFixed(1)}`;
const ms = (n: number) => `${n.toFixed(1)} ms`;

try {
  const seeded = await seededScale(pool);
  if (!seeded) throw new Error(`no bench data in ${process.env.STEPWISE_DATA_DIR}`);
  const subjects = [
    ...(seeded.info.curvePipelines ?? []).map((p) => ({ pipelineId: p.pipelineId, label: `${p.runs} runs` })),
    { pipelineId: seeded.info.largestPipelineId, label: "largest pipeline" },
  ];
  for (const { pipelineId, label } of subjects) {
    const sql = metricSeriesRollupSql(query.x);
    const params = metricSeriesRollupParams({
      pipelineId,
      names: query.names,
      directions: query.names.map((n) => (metricDirection(n) === "higher" ? 1 : -1)),
      buckets: Math.floor(query.width / 2),
      from: query.from,
      to: query.to,
      threshold: query.threshold / 100,
    });
    const plan = await pool.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
    const text = plan.rows.map((r) => r["QUERY PLAN"]).join("\n");
    if (process.argv.includes("--plan")) console.log(`\n── ${label} (pipeline ${pipelineId})\n${text}`);
    const executions: number[] = [];
    for (let i = 0; i < Math.min(iterations, 10); i++) {
      const p = await pool.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, TIMING OFF) ${sql}`, params);
      const line = p.rows.map((r) => r["QUERY PLAN"]).find((l) => l.startsWith("Execution Time"));
      executions.push(Number(line?.match(/([\d.]+) ms/)?.[1] ?? Number.NaN));
    }
    const execMin = Math.min(...executions);
    const rows = (await pool.query(sql, params)).rows.length;
    const viaPg = await time(() => pool.query(sql, params));
    const viaPgMin = low();
    const whole = await time(() => getMetricSeries({ pipelineId, query }));
    const wholeMin = low();
    // getMetricSeries' two parts after the statement, on the statement's rows: the runs' labels (one more
    // statement, for the runs this process does not remember) and the assembly of the answer in JavaScript.
    const { rows: tuples } = await pool.query<MetricSeriesTuple>({ text: sql, values: params, rowMode: "array" });
    const referred = seriesRunRefs(tuples);
    if (!referred) throw new Error(`No pipeline ${pipelineId}.`);
    const { refs, relabel } = referred;
    const labelsTime = await time(() => runLabels(pipelineId, refs, query.x, relabel));
    const labels = await runLabels(pipelineId, refs, query.x, relabel);
    const directions = query.names.map(metricDirection);
    const assembly = await time(() => assembleMetricSeries(tuples, labels, { pipelineId, query, directions }));
    const result = await getMetricSeries({ pipelineId, query });
    const json = JSON.stringify(result);
    const stringify = await time(() => JSON.stringify(result));
    const gzip6 = await time(() => gzipSync(json));
    const gzip1 = await time(() => gzipSync(json, { level: 1 }));
    const br4 = await time(() => brotliCompressSync(json, { params: { [zlib.BROTLI_PARAM_QUALITY]: 4 } }));
    const points = result.series.reduce((n, s) => n + s.x.length, 0);
    const regressions = result.series.reduce((n, s) => n + s.regressions.x.length, 0);
    console.log(
      [
        `── ${label} (pipeline ${pipelineId}): ${rows} rows; ${points} points, ${regressions} regressions, ` +
          `${result.failed.length} failed marks, ${result.runs.publicId.length} runs; JSON ${(json.length / 1024).toFixed(0)} KiB, ` +
          `gzip-6 ${(gzipSync(json).length / 1024).toFixed(0)} KiB, gzip-1 ${(gzipSync(json, { level: 1 }).length / 1024).toFixed(0)} KiB, ` +
          `br-4 ${(brotliCompressSync(json, { params: { [zlib.BROTLI_PARAM_QUALITY]: 4 } }).length / 1024).toFixed(0)} KiB`,
        `   SQL execution (server) ${ms(median(executions))} (min ${execMin.toFixed(1)}) · through pg (+ transfer, parse) ${ms(viaPg)} (${viaPgMin}) · ` +
          `getMetricSeries (+ labels, assembly) ${ms(whole)} (${wholeMin}) · labels ${ms(labelsTime)} · ` +
          `assembly ${ms(assembly)} · JSON.stringify ${ms(stringify)} · gzip-6 ${ms(gzip6)} · ` +
          `gzip-1 ${ms(gzip1)} · br-4 ${ms(br4)}`,
        `   ${text
          .split("\n")
          .filter((l) => /Planning Time|Execution Time/.test(l))
          .join(" · ")}`,
      ].join("\n"),
    );
  }
  if (process.argv.includes("--allocations")) await allocations(seeded.info.largestPipelineId);
} finally {
  await pool.end();
  await db.stop();
}

type HeapNode = {
  callFrame: { functionName: string; url: string };
  selfSize: number;
  children: HeapNode[];
};

/** Bytes allocated per request by call site (function < caller < caller's caller), garbage included. */
async function allocations(pipelineId: number): Promise<void> {
  const request = async () => JSON.stringify(await getMetricSeries({ pipelineId, query }));
  for (let i = 0; i < 5; i++) await request();
  const session = new Session();
  session.connect();
  await session.post("HeapProfiler.startSampling", {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  for (let i = 0; i < iterations; i++) await request();
  const { profile } = (await session.post("HeapProfiler.stopSampling")) as { profile: { head: HeapNode } };
  session.disconnect();
  const sites = new Map<string, number>();
  let total = 0;
  const walk = (node: HeapNode, stack: string[]) => {
    const file = node.callFrame.url.split("/").slice(-2).join("/");
    const here = [...stack, `${node.callFrame.functionName || "(anonymous)"} ${file}`.trim()];
    if (node.selfSize > 0) {
      total += node.selfSize;
      const site = here.slice(-3).reverse().join(" < ");
      sites.set(site, (sites.get(site) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, here);
  };
  walk(profile.head, []);
  const kib = (bytes: number) => `${(bytes / iterations / 1024).toFixed(0).padStart(6)} KiB`;
  console.log(`\n── allocations per request, largest pipeline: ${(total / iterations / 1024 / 1024).toFixed(1)} MiB`);
  for (const [site, bytes] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, 15))
    console.log(`${kib(bytes)}  ${site}`);
}
