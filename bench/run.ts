/**
 * `npm run bench [-- --quick] [-- --only=pages,ingest] [-- --allow-busy | --wait-idle[=minutes]]`: seeds (once) a
 * database at the chosen scale and measures what BRIEF.md targets, printing a table and writing
 * bench/results/<date>-<scale>.json and .md. The database is DATABASE_URL, or an embedded Postgres in
 * STEPWISE_DATA_DIR (default .data/bench-<scale>-v<seed version>, apart from the app's own data).
 * A full-scale run refuses to start on a busy machine (bench/lib/load.ts); every report records the load.
 */
import path from "node:path";
import pg from "pg";
import { migrate } from "@/lib/db/migrate";
import { redactUrl, resolveDatabase } from "@/lib/runtime/database";
import { type RunningApp, startBenchApp } from "./lib/app";
import { checkIdle, type LoadSample, loadSample } from "./lib/load";
import { printTable, writeReport } from "./lib/report";
import type { BenchContext, Measurement, Scale } from "./lib/types";
import { modules } from "./modules";
import { SEED_VERSION, seed } from "./seed";

const args = process.argv.slice(2);
const scale: Scale = args.includes("--quick") ? "quick" : "full";
const only = args
  .find((a) => a.startsWith("--only="))
  ?.slice(7)
  .split(",");
const log = (line: string) => console.log(`[bench] ${line}`);
const waitArg = args.find((a) => a === "--wait-idle" || a.startsWith("--wait-idle="));

const idle = await checkIdle({
  strict: scale === "full",
  allowBusy: args.includes("--allow-busy"),
  waitMinutes: waitArg ? Number(waitArg.split("=")[1] ?? 30) || 30 : 0,
  log,
});
if (!idle.go) {
  console.error(`[bench] refusing to start: ${idle.warning}.`);
  console.error("[bench] wait for the machine to be idle, or pass --wait-idle[=minutes] or --allow-busy.");
  process.exit(2);
}
if (idle.warning) log(`WARNING: ${idle.warning}`);
const loads: LoadSample[] = [idle.sample];

process.env.STEPWISE_DATA_DIR ??= path.resolve(`.data/bench-${scale}-v${SEED_VERSION}`);
const startedAt = new Date();
const db = await resolveDatabase();
// lib/db's pool (used by the sync modules some measurements call) reads it at import.
process.env.DATABASE_URL = db.url;
const pool = new pg.Pool({ connectionString: db.url, max: 8 });
let app: RunningApp | null = null;
let appStarting: Promise<RunningApp> | null = null;

try {
  log(`database ${redactUrl(db.url)} (${db.embedded ? "embedded" : "DATABASE_URL"})`);
  await migrate({ databaseUrl: db.url });
  const seedStarted = performance.now();
  await seed(pool, scale, log);
  log(`data ready in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

  const ctx: BenchContext = {
    scale,
    databaseUrl: db.url,
    pool,
    log,
    args,
    app: () => {
      appStarting ??= startBenchApp({ databaseUrl: db.url, pool, log }).then((running) => {
        app = running;
        return running;
      });
      return appStarting;
    },
  };
  const measurements: Measurement[] = [];
  for (const module of modules) {
    if (only ? !only.includes(module.name) : module.optIn) continue;
    const before = loadSample(module.name);
    loads.push(before);
    log(`measuring ${module.name}… (load average ${before.load1})`);
    try {
      measurements.push(...(await module.run(ctx)));
    } catch (error) {
      log(`  ${module.name} failed: ${error instanceof Error ? error.message : error}`);
      measurements.push({ name: module.name, unit: "", target: "module failed", met: false, notes: String(error) });
    }
  }
  console.log("");
  printTable(measurements);
  loads.push(loadSample("end"));
  const file = await writeReport(scale, measurements, startedAt, { loads, warning: idle.warning });
  log(`report: ${path.relative(process.cwd(), file)}.{json,md}`);
} finally {
  await (app as RunningApp | null)?.stop();
  await pool.end();
  await db.stop();
}
