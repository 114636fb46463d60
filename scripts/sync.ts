/**
 * `npm run sync -- --once`: resolve the database (DATABASE_URL or the embedded one), apply migrations, run
 * one full pass (discovery, whole listings, registry) over every configured source, print a summary, exit
 * (status 1 when something failed). With no source configured and the demo on, an in-process emulator is
 * started so the command works standalone.
 *
 *   npm run sync -- --once [--source <key>] [--incremental]
 *   npm run sync                      the background worker in the foreground (what `npm start` runs)
 *
 * The sync modules are server-only (`import "server-only"`); outside Next.js that package resolves only
 * under the "react-server" export condition, so this script re-executes itself with it when needed.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);

if (!import.meta.resolve("server-only").endsWith("/empty.js")) {
  const child = spawn(
    process.execPath,
    ["--conditions=react-server", "--import", "tsx", fileURLToPath(import.meta.url), ...args],
    { stdio: "inherit", env: process.env },
  );
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  await main();
}

async function main(): Promise<void> {
  const once = args.includes("--once");
  const sourceAt = args.indexOf("--source");
  const sourceKey = sourceAt >= 0 ? args[sourceAt + 1] : undefined;
  const say = (line: string) => console.log(`[sync] ${line}`);

  const { resolveDatabase, redactUrl } = await import("@/lib/runtime/database");
  const { migrate } = await import("@/lib/db/migrate");
  const db = await resolveDatabase();
  // lib/db reads DATABASE_URL when first imported: set it before anything imports it.
  process.env.DATABASE_URL = db.url;
  // The sync's own statement timeout (SYNC_STATEMENT_TIMEOUT_MS), not the web requests' (lib/db.ts).
  process.env.STEPWISE_DB_ROLE = "sync";
  const stops: (() => Promise<void>)[] = [db.stop];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    say(`database: ${db.embedded ? "embedded PostgreSQL" : "DATABASE_URL"} ${redactUrl(db.url)}`);
    await migrate({ databaseUrl: db.url, log: say });

    const { demoEnabled, loadSourceConfigs } = await import("@/lib/sync/sources");
    if (loadSourceConfigs().origin === "none" && demoEnabled()) {
      const { startEmulator } = await import("@/lib/emulator");
      const emulator = await startEmulator({ port: 0, scheduler: !once, log: () => undefined });
      process.env.STEPWISE_DEMO_ENDPOINT = emulator.url;
      stops.push(() => emulator.stop());
      say(`no sources configured: syncing the demo emulator at ${emulator.url}`);
    }
    const { pool } = await import("@/lib/db");
    stops.splice(1, 0, () => pool.end());

    if (once) {
      const { runSyncPass } = await import("@/lib/sync/pass");
      const started = Date.now();
      const summaries = await runSyncPass({ sourceKey, full: !args.includes("--incremental") });
      if (summaries.length === 0) say("no sources configured (set STEPWISE_SOURCES or STEPWISE_SOURCES_FILE)");
      for (const s of summaries) {
        say(
          `${s.source}: ${s.discovered ?? "-"} pipelines discovered, ${s.pipelinesPolled} polled, ` +
            `${s.executionsSynced} executions synced (${s.executionsChanged} changed), ${s.openRuns} open runs, ` +
            `${s.failures} failures, ${s.durationMs} ms${s.error ? ` — ${s.error}` : ""}`,
        );
      }
      say(`done in ${Date.now() - started} ms`);
      await stopAll();
      process.exit(summaries.some((s) => s.failures > 0 || s.error) ? 1 : 0);
    }

    const { startSyncWorker } = await import("@/lib/sync/worker");
    const worker = startSyncWorker();
    say(`worker ${worker.id} running; Ctrl-C stops it`);
    // Alert delivery (lib/alerts/worker.ts): every instance runs one; the queue hands each job to one of them.
    const { startAlertWorker } = await import("@/lib/alerts/worker");
    const alerts = await startAlertWorker({ pgPool: pool });
    say("alert delivery worker running");
    const shutdown = async () => {
      await alerts.stop().catch(() => undefined);
      await worker.stop();
      await stopAll();
      process.exit(0);
    };
    process.on("SIGINT", () => void shutdown());
    process.on("SIGTERM", () => void shutdown());
  } catch (error) {
    console.error(`[sync] ${error instanceof Error ? error.message : String(error)}`);
    await stopAll();
    process.exit(1);
  }
}
