/**
 * Where the pipeline page's load goes, from navigation start to the graph painted, on the bench database: the
 * bench's view (100k runs at full scale, 3 metrics) loaded afresh in Chromium with a performance trace, and the
 * renderer main thread's top-level tasks in that span, each with the events that fill it (script evaluation by
 * file, compile, HTML parsing, style/layout/paint), plus the page's own marks. Prints the median load's waterfall
 * and, over all loads, the median time per kind of work:
 *
 *   npx tsx --conditions=react-server bench/profile-page-load.ts [--quick|--full] [--iterations=8]
 *
 * A breakdown for finding what to cut, not a figure for docs/performance.md: tracing slows the page down.
 */
import path from "node:path";
import { chromium } from "@playwright/test";
import { CHROMIUM_ARGS, chromiumPath } from "@/lib/chromium";
import { resolveDatabase } from "@/lib/runtime/database";
import { signedInContext, startBenchApp } from "./lib/app";
import { METRIC_NAMES, SEED_VERSION, seededScale } from "./seed";

const scale = process.argv.includes("--full") ? "full" : "quick";
const iterations = Number(process.argv.find((a) => a.startsWith("--iterations="))?.slice(13) ?? 8);
process.env.STEPWISE_DATA_DIR ??= path.resolve(`.data/bench-${scale}-v${SEED_VERSION}`);
const db = await resolveDatabase();
const pg = (await import("pg")).default;
const pool = new pg.Pool({ connectionString: db.url, max: 2 });

type TraceEvent = {
  name: string;
  cat: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { name?: string; data?: { url?: string; frame?: string; functionName?: string } };
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? ((s[Math.floor((s.length - 1) / 2)] ?? 0) + (s[Math.ceil((s.length - 1) / 2)] ?? 0)) / 2 : 0;
};
/** What a timeline event stands for: its name, and the script file for script work. */
const label = (e: TraceEvent) => {
  const url = e.args?.data?.url;
  return url ? `${e.name} ${url.split("/").pop()?.split("?")[0]}` : e.name;
};

const seeded = await seededScale(pool);
if (!seeded)
  throw new Error(`no ${scale} bench data: run npm run bench -- ${scale === "quick" ? "--quick " : ""}--only=none`);
const pipelineId = seeded.info.largestPipelineId;
const app = await startBenchApp({ databaseUrl: db.url, pool, log: (line) => console.log(line) });
const browser = await chromium.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS] });
try {
  const context = await signedInContext(browser, app, { viewport: { width: 1440, height: 1000 } });
  const url = `${app.baseUrl}/pipelines/${pipelineId}?m=${METRIC_NAMES.join(",")}`;
  const loads: { total: number; waterfall: string[]; kinds: Map<string, number> }[] = [];
  for (let i = 0; i < iterations + 2; i++) {
    const page = await context.newPage();
    await browser.startTracing(page, {
      categories: ["devtools.timeline", "blink.user_timing", "v8", "loading", "disabled-by-default-devtools.timeline"],
    });
    await page.goto(url);
    await page.waitForFunction(() => performance.getEntriesByName("stepwise:metric-graph:painted").length > 0);
    const marks = await page.evaluate(() =>
      performance
        .getEntriesByType("mark")
        .filter((m) => m.name.startsWith("stepwise:"))
        .map((m) => ({ name: m.name, at: m.startTime })),
    );
    const paints = await page.evaluate(() =>
      performance.getEntriesByType("paint").map((p) => `${p.name} ${p.startTime.toFixed(0)}`),
    );
    const events = (JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: TraceEvent[] }).traceEvents;
    await page.close();
    if (i < 2) continue;
    const painted = events.filter((e) => e.name === "stepwise:metric-graph:painted").at(-1);
    const nav = events
      .filter(
        (e) =>
          e.name === "navigationStart" &&
          painted &&
          e.ts < painted.ts &&
          JSON.stringify(e.args).includes("/pipelines/"),
      )
      .at(-1);
    if (!nav || !painted) {
      const names = new Set(
        events.filter((e) => /navigation|painted/i.test(e.name)).map((e) => `${e.name} [${e.cat}]`),
      );
      console.log(`load ${i}: no navigation start or painted mark in the trace (${[...names].join(", ")})`);
      continue;
    }
    const main = events.find(
      (e) => e.name === "thread_name" && e.args?.name === "CrRendererMain" && e.pid === painted.pid,
    );
    const onMain = events.filter(
      (e) => e.pid === painted.pid && e.tid === main?.tid && e.ph === "X" && e.ts >= nav.ts && e.ts <= painted.ts,
    );
    const at = (ts: number) => ((ts - nav.ts) / 1000).toFixed(0).padStart(4);
    const waterfall = [
      `marks: ${marks.map((m) => `${m.name.replace("stepwise:metric-graph:", "")} ${m.at.toFixed(0)}`).join(", ")}; ${paints.join(", ")}`,
    ];
    const kinds = new Map<string, number>();
    for (const task of onMain.filter((e) => e.name === "RunTask" && (e.dur ?? 0) >= 2_000)) {
      const inside = onMain.filter(
        (e) =>
          e !== task && e.ts >= task.ts && e.ts + (e.dur ?? 0) <= task.ts + (task.dur ?? 0) && (e.dur ?? 0) >= 1_000,
      );
      const top = inside
        .filter(
          (e) =>
            !inside.some(
              (o) =>
                o !== e && o.ts <= e.ts && o.ts + (o.dur ?? 0) >= e.ts + (e.dur ?? 0) && (o.dur ?? 0) > (e.dur ?? 0),
            ),
        )
        .map((e) => `${label(e)} ${((e.dur ?? 0) / 1000).toFixed(1)}`);
      waterfall.push(
        `${at(task.ts)} ms  task ${((task.dur ?? 0) / 1000).toFixed(1).padStart(6)} ms: ${top.join(" · ")}`,
      );
    }
    for (const e of onMain) {
      if (e.name === "RunTask") continue;
      const k = label(e);
      kinds.set(k, (kinds.get(k) ?? 0) + (e.dur ?? 0) / 1000);
    }
    loads.push({ total: (painted.ts - nav.ts) / 1000, waterfall, kinds });
  }
  const totals = loads.map((l) => l.total);
  console.log(`navigation → painted (traced): median ${median(totals).toFixed(0)} ms over ${loads.length} loads`);
  const mid = [...loads].sort((a, b) => a.total - b.total)[Math.floor((loads.length - 1) / 2)];
  console.log(`the median load (${mid?.total.toFixed(0)} ms), tasks ≥ 2 ms:`);
  for (const line of mid?.waterfall ?? []) console.log(`  ${line}`);
  const keys = new Set(loads.flatMap((l) => [...l.kinds.keys()]));
  console.log("main-thread time per kind of event (median ms per load; nested events overlap their parents):");
  for (const [k, ms] of [...keys]
    .map((k) => [k, median(loads.map((l) => l.kinds.get(k) ?? 0))] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 30))
    console.log(`  ${ms.toFixed(1).padStart(7)}  ${k}`);
} finally {
  await browser.close();
  await app.stop();
  await pool.end();
  await db.stop?.();
}
