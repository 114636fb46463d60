/**
 * Where the metric graph's first render goes, on the bench database (`npm run bench -- --quick --only=none`
 * seeds it): the bench's view (the largest pipeline's newest 10k runs × 3 metrics, 1440 × 1000) loaded afresh
 * in Chromium with a performance trace, and the main thread's work between the page's two marks — series data
 * parsed ("stepwise:metric-graph:data") and plot committed ("…:rendered") — summed per kind of event and per
 * top-level task, median over the loads:
 *
 *   npx tsx --conditions=react-server bench/profile-graph.ts [--quick|--full] [--iterations=12] [--plain]
 *
 * What it prints is a breakdown, not a figure for docs/performance.md: tracing slows the page down.
 */
import path from "node:path";
import { chromium } from "@playwright/test";
import { CHROMIUM_ARGS, chromiumPath } from "@/lib/chromium";
import { resolveDatabase } from "@/lib/runtime/database";
import { signedInContext, startBenchApp } from "./lib/app";
import { METRIC_NAMES, SEED_VERSION, seededScale } from "./seed";

const scale = process.argv.includes("--full") ? "full" : "quick";
const iterations = Number(process.argv.find((a) => a.startsWith("--iterations="))?.slice(13) ?? 12);
// --plain: no trace and no profiler, only the page's marks (as the bench reads them), for an A/B of a change.
const plain = process.argv.includes("--plain");
process.env.STEPWISE_DATA_DIR ??= path.resolve(`.data/bench-${scale}-v${SEED_VERSION}`);
const db = await resolveDatabase();
const pg = (await import("pg")).default;
const pool = new pg.Pool({ connectionString: db.url, max: 2 });

type CpuProfile = {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
};
const selfTime = new Map<string, number>();
type TraceEvent = { name: string; cat: string; ph: string; ts: number; dur?: number; pid: number; tid: number };

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? ((s[Math.floor((s.length - 1) / 2)] ?? 0) + (s[Math.ceil((s.length - 1) / 2)] ?? 0)) / 2 : 0;
};

const seeded = await seededScale(pool);
if (!seeded)
  throw new Error(`no ${scale} bench data: run npm run bench -- ${scale === "quick" ? "--quick " : ""}--only=none`);
const pipelineId = seeded.info.largestPipelineId;
const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM run WHERE pipeline_id = $1", [
  pipelineId,
]);
const runs = rows[0]?.n ?? 0;
const app = await startBenchApp({ databaseUrl: db.url, pool, log: (line) => console.log(line) });
const browser = await chromium.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS] });
try {
  const context = await signedInContext(browser, app, { viewport: { width: 1440, height: 1000 } });
  const page = await context.newPage();
  const url = `${app.baseUrl}/pipelines/${pipelineId}?m=${METRIC_NAMES.join(",")}&x=number&gfrom=${Math.max(1, runs - 9_999)}&gto=${runs}`;
  const byKind = new Map<string, number[]>();
  const windows: number[] = [];
  const tasks: string[] = [];
  for (let i = 0; i < iterations + 2; i++) {
    if (plain) {
      await page.goto(url);
      await page
        .locator("[data-series]")
        .nth(METRIC_NAMES.length - 1)
        .waitFor();
      const ms = await page.evaluate(() => {
        const data = performance.getEntriesByName("stepwise:metric-graph:data").at(-1);
        const rendered = performance.getEntriesByName("stepwise:metric-graph:rendered").at(-1);
        return data && rendered ? rendered.startTime - data.startTime : Number.NaN;
      });
      if (i >= 2 && Number.isFinite(ms)) windows.push(ms);
      continue;
    }
    await browser.startTracing(page, {
      categories: ["devtools.timeline", "blink.user_timing", "v8", "disabled-by-default-devtools.timeline"],
    });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
    await cdp.send("Profiler.start");
    await page.goto(url);
    await page
      .locator("[data-series]")
      .nth(METRIC_NAMES.length - 1)
      .waitFor();
    await page.waitForFunction(() => performance.getEntriesByName("stepwise:metric-graph:rendered").length > 0);
    const { profile } = (await cdp.send("Profiler.stop")) as unknown as { profile: CpuProfile };
    await cdp.detach();
    const trace = JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: TraceEvent[] };
    if (i < 2) continue;
    const events = trace.traceEvents;
    const marks = (name: string) => events.filter((e) => e.name === name && e.cat.includes("blink.user_timing"));
    // As the bench reads them: the graph's own series answer parsed (its overview does not mark), then the commit.
    const rendered = marks("stepwise:metric-graph:rendered").at(-1);
    const data = marks("stepwise:metric-graph:data")
      .filter((e) => rendered && e.ts <= rendered.ts)
      .at(-1);
    if (!data || !rendered) continue;
    const main = events.find(
      (e) =>
        e.name === "thread_name" &&
        (e as { args?: { name?: string } }).args?.name === "CrRendererMain" &&
        e.pid === data.pid,
    );
    const tid = main?.tid ?? data.tid;
    windows.push((rendered.ts - data.ts) / 1000);
    // JS self time per function inside the window (the profile's clock is the trace's).
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    let t = profile.startTime;
    for (let k = 0; k < profile.samples.length; k++) {
      t += profile.timeDeltas[k] ?? 0;
      if (t < data.ts || t > rendered.ts) continue;
      const node = nodes.get(profile.samples[k] ?? -1);
      if (!node) continue;
      const f = node.callFrame;
      const key = `${f.functionName || "(anonymous)"} ${f.url.split("/").pop()}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
      const dt = (profile.timeDeltas[k + 1] ?? 200) / 1000;
      selfTime.set(key, (selfTime.get(key) ?? 0) + dt);
    }
    // Top-level tasks of the main thread overlapping the window, and the timeline events inside them.
    const inWindow = events.filter(
      (e) => e.pid === data.pid && e.tid === tid && e.ph === "X" && e.ts + (e.dur ?? 0) > data.ts && e.ts < rendered.ts,
    );
    const sums = new Map<string, number>();
    for (const e of inWindow) {
      if (e.name === "RunTask") {
        if ((e.dur ?? 0) >= 3_000)
          tasks.push(
            `load ${i - 1}: task ${((e.ts - data.ts) / 1000).toFixed(1)} ms after data, ${((e.dur ?? 0) / 1000).toFixed(1)} ms`,
          );
        continue;
      }
      const clipped = Math.min(e.ts + (e.dur ?? 0), rendered.ts) - Math.max(e.ts, data.ts);
      sums.set(e.name, (sums.get(e.name) ?? 0) + clipped / 1000);
    }
    for (const [name, ms] of sums) byKind.set(name, [...(byKind.get(name) ?? []), ms]);
  }
  const sorted = [...windows].sort((a, b) => a - b);
  const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] ?? Number.NaN;
  console.log(
    `data → rendered: median ${median(windows).toFixed(1)} · p95 ${p95.toFixed(1)} ms over ${windows.length} loads${plain ? "" : " (traced)"}`,
  );
  console.log("main-thread events inside the window (median ms per load; nested events overlap their parents):");
  for (const [name, values] of [...byKind].sort((a, b) => median(b[1]) - median(a[1])).slice(0, 30)) {
    console.log(`  ${median(values).toFixed(1).padStart(7)}  ${name}`);
  }
  console.log("JS self time inside the windows (ms, summed over the loads):");
  for (const [name, ms] of [...selfTime].sort((a, b) => b[1] - a[1]).slice(0, 40)) {
    console.log(`  ${ms.toFixed(1).padStart(7)}  ${name}`);
  }
  console.log("top-level tasks overlapping the window:");
  for (const task of tasks) console.log(`  ${task}`);
} finally {
  await browser.close();
  await app.stop();
  await pool.end();
  await db.stop?.();
}
