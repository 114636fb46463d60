/**
 * The metric series endpoint over HTTP for a long stretch, with the app's garbage collections traced: what a
 * long-lived instance's tail is made of. On the bench database (`npm run bench` seeds it):
 *
 *   npx tsx --conditions=react-server bench/series-gc.ts [--quick] [--requests=1500] [--no-trace]
 *     [--node-options="--max-semi-space-size=64"]   (more options for the app's Node.js, to try a GC setting)
 *
 * Starts the app as the bench does, sends the bench's series request (largest pipeline, 3 metrics, 1,200 px)
 * one after another, and prints p50/p95/p99 per 150 requests, then the app's collections from V8's --trace-gc
 * (set at start-up by a preloaded module: Node refuses --trace-gc in NODE_OPTIONS): how many scavenges and
 * mark-compacts, their pauses, and how often a mark-compact came.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { resolveDatabase } from "@/lib/runtime/database";
import { startBenchApp } from "./lib/app";
import { summarise } from "./lib/stats";
import { SEED_VERSION, seededScale, seriesPath } from "./seed";

const args = process.argv.slice(2);
const scale = args.includes("--quick") ? "quick" : "full";
const requests = Number(args.find((a) => a.startsWith("--requests="))?.slice(11) ?? 1500);
const trace = !args.includes("--no-trace");
const nodeOptions = args.find((a) => a.startsWith("--node-options="))?.slice(15) ?? "";
process.env.STEPWISE_DATA_DIR ??= path.resolve(`.data/bench-${scale}-v${SEED_VERSION}`);

const scratch = mkdtempSync(path.join(tmpdir(), "stepwise-series-gc-"));
const preload = path.join(scratch, "trace-gc.mjs");
writeFileSync(preload, `import v8 from "node:v8";\nv8.setFlagsFromString("--trace-gc");\n`);
const appLog = path.join(scratch, "app.log");
process.env.BENCH_APP_LOG = appLog;

process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));

const db = await resolveDatabase();
process.env.DATABASE_URL = db.url;
const { pool } = await import("@/lib/db");
const seeded = await seededScale(pool);
if (!seeded) throw new Error(`no bench data in ${process.env.STEPWISE_DATA_DIR}`);
const app = await startBenchApp({
  databaseUrl: db.url,
  pool,
  log: (line) => console.log(line),
  env: { ...process.env, NODE_OPTIONS: `${trace ? `--import ${preload} ` : ""}${nodeOptions}`.trim() },
});
try {
  const url = `${app.baseUrl}${seriesPath(seeded.info.largestPipelineId)}`;
  const times: number[] = [];
  const start = performance.now();
  for (let i = 1; i <= requests; i++) {
    const began = performance.now();
    const response = await fetch(url, { headers: { cookie: app.cookie } });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`series answered ${response.status}`);
    times.push(performance.now() - began);
    if (i % 150 === 0) {
      const s = summarise(times.slice(-150));
      const at = ((performance.now() - start) / 1000).toFixed(0);
      console.log(
        `requests ${i - 149}–${i} (${at} s): p50 ${s.p50.toFixed(1)} · p95 ${s.p95.toFixed(1)} · p99 ${s.p99.toFixed(1)} ms`,
      );
    }
  }
  const all = summarise(times);
  console.log(`all ${requests}: p50 ${all.p50.toFixed(1)} · p95 ${all.p95.toFixed(1)} · p99 ${all.p99.toFixed(1)} ms`);
} finally {
  await app.stop();
  await pool.end();
  await db.stop();
}

if (trace) {
  // --trace-gc lines: "[pid:isolate] <ms> ms: Scavenge|Mark-Compact <before> (<committed>) -> <after> … MB, <pause> / …"
  const lines = readFileSync(appLog, "utf8").split("\n");
  const gcs = lines
    .map((line) =>
      /^\[(\d+):\S+\]\s+(\d+) ms: (Scavenge|Mark-Compact)\S*(?: \(reduce\))? [\d.]+ \([\d.]+\) -> [\d.]+ \([\d.]+\) MB, ([\d.]+)/.exec(
        line,
      ),
    )
    .filter((m) => m !== null)
    .map((m) => ({ pid: m[1] as string, at: Number(m[2]), kind: m[3] as string, pause: Number(m[4]) }));
  // The Next.js server is the process that collected most (the launcher and its helpers collect little).
  const perPid = new Map<string, number>();
  for (const gc of gcs) perPid.set(gc.pid, (perPid.get(gc.pid) ?? 0) + 1);
  const server = [...perPid].sort((a, b) => b[1] - a[1])[0]?.[0];
  for (const kind of ["Scavenge", "Mark-Compact"]) {
    const these = gcs.filter((g) => g.pid === server && g.kind === kind);
    if (these.length === 0) continue;
    const pauses = summarise(these.map((g) => g.pause));
    const gaps = these.slice(1).map((g, i) => (g.at - (these[i]?.at ?? 0)) / 1000);
    const gap = gaps.length ? `, every ${summarise(gaps).p50.toFixed(1)} s (median)` : "";
    console.log(
      `${kind}: ${these.length} in the app server, pause p50 ${pauses.p50.toFixed(1)} · max ${pauses.max.toFixed(1)} ms${gap}`,
    );
  }
}
