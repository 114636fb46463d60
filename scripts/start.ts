/**
 * `npm start` (and `npm run dev` with --dev): the whole product in one process tree.
 *
 *   1. the database: DATABASE_URL, or an embedded Postgres in .data/postgres
 *   2. migrations (lib/db/migrate.ts)
 *   3. the local AWS emulator with demo pipelines, when no AWS source is configured
 *   4. a production build when the sources are newer than the last one
 *   5. the Next.js server on PORT, as a child process
 *
 * SIGINT/SIGTERM stop the Next.js server first and then Postgres, so nothing is
 * left running and the data stays for the next start.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { trustProxyHops } from "@/lib/audit/client-address";
import { prepareAuth } from "@/lib/auth/local-setup";
import { migrate } from "@/lib/db/migrate";
import { startEmulator } from "@/lib/emulator";
import { dataDir, redactUrl, resolveDatabase } from "@/lib/runtime/database";
import { demoEnabled } from "@/lib/runtime/demo";

// The AWS SDK warns once per process that its releases after early January 2027 need Node 22; on Node 20
// (engines allows it, ENVIRONMENT.md) that is known. The SDK's own switch silences exactly that warning.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
// The demo's sync passes log at info level every few seconds: a newcomer's terminal shows warnings only.
if (demoEnabled()) process.env.LOG_LEVEL ??= "warn";

const dev = process.argv.includes("--dev");
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOSTNAME ?? "0.0.0.0";
const nextBin = path.resolve("node_modules/next/dist/bin/next");
const log = (line: string) => console.log(`[stepwise] ${line}`);

const SOURCE_ROOTS = ["app", "components", "lib", "prisma/schema.prisma", "next.config.js", "package.json"];

function newestMtime(target: string): number {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) {
    if (entry === "generated" || entry === "node_modules") continue;
    newest = Math.max(newest, newestMtime(path.join(target, entry)));
  }
  return newest;
}

function needsBuild(): boolean {
  const buildId = path.resolve(process.env.NEXT_DIST_DIR ?? ".next", "BUILD_ID");
  if (!existsSync(buildId)) return true;
  const built = statSync(buildId).mtimeMs;
  return SOURCE_ROOTS.some((root) => newestMtime(path.resolve(root)) > built);
}

/** Runs a command with its output in `logFile` (the terminal stays one screen); resolves its exit code. */
function runLogged(command: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): Promise<number> {
  return new Promise((resolve) => {
    const out = createWriteStream(logFile);
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on("close", (code) => out.end(() => resolve(code ?? 1)));
  });
}

const stops: (() => Promise<void>)[] = [];
let nextServer: ChildProcess | undefined;
let shuttingDown = false;

async function shutdown(code: number): Promise<never> {
  if (!shuttingDown) {
    shuttingDown = true;
    if (nextServer && nextServer.exitCode === null) {
      const exited = new Promise((resolve) => nextServer?.once("exit", resolve));
      nextServer.kill("SIGTERM");
      const timer = setTimeout(() => nextServer?.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    for (const stop of stops.reverse()) {
      await stop().catch((error: unknown) => console.error("[stepwise] stop failed:", error));
    }
  }
  process.exit(code);
}

process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

try {
  const db = await resolveDatabase();
  stops.push(db.stop);
  log(`database: ${db.embedded ? "embedded PostgreSQL" : "DATABASE_URL"} ${redactUrl(db.url)}`);
  const migrated = await migrate({ databaseUrl: db.url, log });
  log(`migrations: ${migrated.applied.length} applied, ${migrated.alreadyApplied} already applied`);

  trustProxyHops(); // a malformed TRUST_PROXY_HOPS stops the start here, not every request later
  // ── auth (issue 5): NEXTAUTH_URL/SECRET defaults; the local demo IdP when OIDC_ISSUER is unset ──
  const auth = await prepareAuth({ port, dataDir: dataDir() });
  stops.push(auth.stop);
  // ── end auth ──

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...auth.env,
    DATABASE_URL: db.url,
    PORT: String(port),
    NEXT_TELEMETRY_DISABLED: "1",
  };

  // ── demo: the local AWS emulator with live demo pipelines (lib/emulator) ──
  if (demoEnabled()) {
    const emulator = await startEmulator({
      port: Number(process.env.EMULATOR_PORT ?? 4566),
      log,
    });
    stops.push(() => emulator.stop());
    env.STEPWISE_DEMO_ENDPOINT = emulator.url;
    // The emulator sends no EventBridge events, so new demo runs are found by listing: poll idle
    // pipelines every 15 s instead of every 5 minutes (four pipelines: a handful of calls).
    env.STEPWISE_IDLE_POLL_SECONDS ??= "15";
    process.env.STEPWISE_DEMO_ENDPOINT = emulator.url;
    // A demo's webhook receivers are local too (lib/alerts/outbound.ts refuses private targets otherwise).
    env.STEPWISE_ALLOW_PRIVATE_WEBHOOKS ??= "1";
    process.env.STEPWISE_ALLOW_PRIVATE_WEBHOOKS ??= "1";
    log(`demo AWS emulator at ${emulator.url} (set STEPWISE_SOURCES to sync real AWS accounts instead)`);
    // Each demo team gets in-app alerts out of the box (lib/alerts/demo-defaults.ts).
    const { ensureDemoAlertRules } = await import("@/lib/alerts/demo-defaults");
    if ((await ensureDemoAlertRules(db.url)) > 0) log("demo alert rules: failed runs and metric regressions, in-app");
  }
  // ── sync (issue 4): the background sync worker (lib/sync/worker.ts) as a child process ──
  // A child because the sync modules are server-only (they resolve under the "react-server" condition) and
  // so a sync crash cannot take the web server down; it is restarted after 5 s. STEPWISE_SYNC=off disables it.
  if ((process.env.STEPWISE_SYNC ?? "on").toLowerCase() !== "off") {
    let worker: ChildProcess | undefined;
    const startWorker = () => {
      worker = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/sync.ts"], {
        stdio: ["ignore", "inherit", "inherit"],
        env: { ...env, NODE_ENV: "production" },
      });
      worker.on("exit", (code) => {
        if (shuttingDown) return;
        log(`the sync worker exited (${code}); restarting in 5 s`);
        setTimeout(() => !shuttingDown && startWorker(), 5_000).unref();
      });
    };
    startWorker();
    stops.push(async () => {
      const child = worker;
      if (!child || child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    });
    log("sync worker started (STEPWISE_SYNC=off disables it)");
  }
  // ── end sync ──
  if (!dev && needsBuild()) {
    const buildLog = path.join(dataDir(), "build.log");
    log(`building the app (first start or sources changed; output in ${path.relative(process.cwd(), buildLog)})…`);
    const started = performance.now();
    // Next.js warns "No build cache found" when it runs under CI=… without <distDir>/cache; the build fills
    // that directory itself, so a first start (on a CI runner too) begins with it present and stays quiet.
    mkdirSync(path.resolve(process.env.NEXT_DIST_DIR ?? ".next", "cache"), { recursive: true });
    const code = await runLogged(process.execPath, [nextBin, "build"], { ...env, NODE_ENV: "production" }, buildLog);
    if (code !== 0) {
      const tail = readFileSync(buildLog, "utf8").trimEnd().split("\n").slice(-40).join("\n");
      throw new Error(`next build failed with exit code ${code}:\n${tail}`);
    }
    log(`built in ${Math.round((performance.now() - started) / 1000)} s`);
  }

  // Production runs Next.js through scripts/next-server.mjs, which records each request's TCP peer so
  // client addresses are taken through TRUST_PROXY_HOPS trusted proxies only (lib/audit/client-address.ts).
  const serverArgs = dev ? [nextBin, "dev", "-p", String(port), "-H", host] : [path.resolve("scripts/next-server.mjs")];
  nextServer = spawn(process.execPath, serverArgs, {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...env, NODE_ENV: dev ? "development" : "production", HOSTNAME: host },
  });
  // The URL and the demo logins come last, once the server listens (its "ready" line says so).
  let announced = false;
  nextServer.stdout?.on("data", (chunk: Buffer) => {
    const text = chunk.toString();
    if (!text.includes("[next-server] ready") && !/Ready in/.test(text)) process.stdout.write(chunk);
    if (!announced && (text.includes("[next-server] ready") || /Ready in/.test(text))) {
      announced = true;
      log(`Stepwise is running at http://localhost:${port}`);
      for (const line of auth.instructions) log(line);
    }
  });
  nextServer.on("exit", (code) => {
    if (!shuttingDown) {
      log(`the Next.js server exited (${code}); stopping`);
      void shutdown(code ?? 1);
    }
  });
} catch (error) {
  console.error(`[stepwise] ${error instanceof Error ? error.message : String(error)}`);
  await shutdown(1);
}
