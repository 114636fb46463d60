/**
 * The app under test, started exactly as `npm start` starts it, on its own data:
 * a fresh database on the server in TEST_DATABASE_URL when set (dropped afterwards),
 * else an embedded Postgres in .data/e2e-<port> that is wiped first. The
 * database is opened here rather than by the app so specs can reach it too (a
 * second app instance, killing the live LISTEN connection): its URL and the
 * emulator's are written to e2e/support/env.ts's file for the specs.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import { type E2eEnv, e2eEnvFile } from "./env";

const port = Number(process.env.PORT ?? 3100);
const env: NodeJS.ProcessEnv = { ...process.env };
// Each e2e port gets its own build directory, so parallel runs on one machine do not collide.
env.NEXT_DIST_DIR ??= `.next-e2e-${port}`;
// The demo AWS emulator of the app under test; specs reach its admin API on this port.
env.EMULATOR_PORT ??= String(port + 2000);
// Sync passes log at info level every few seconds; the test output only needs warnings.
env.LOG_LEVEL ??= "warn";
// Machine credentials the specs use: /api/metrics (statement counts) and the EventBridge ingest route.
env.METRICS_TOKEN ??= randomBytes(24).toString("base64url");
env.EVENTBRIDGE_SECRET ??= randomBytes(24).toString("base64url");
// The alert specs' webhook receivers are local (lib/alerts/outbound.ts refuses private targets by default).
env.STEPWISE_ALLOW_PRIVATE_WEBHOOKS ??= "1";
// Every spec comes from 127.0.0.1, and the route inventory alone refuses a thousand credentials a
// minute: audit them all here (the per-address limit itself is tested in lib/audit/failed-credentials.test.ts).
env.AUDIT_FAILED_PER_MINUTE ??= "100000";
// The embed spec frames /embed/... from a page on PORT + 20 (allowed; also as 127.0.0.1, another site, so the
// frame's cookies are third-party) and PORT + 21 (not listed).
env.STEPWISE_FRAME_ANCESTORS ??= `http://localhost:${port + 20} http://127.0.0.1:${port + 20}`;
env.STEPWISE_DATA_DIR = path.resolve(`.data/e2e-${port}`);
await rm(env.STEPWISE_DATA_DIR, { recursive: true, force: true });
await mkdir(env.STEPWISE_DATA_DIR, { recursive: true });
await chmod(env.STEPWISE_DATA_DIR, 0o755);
let closeDatabase: () => Promise<void>;

if (process.env.TEST_DATABASE_URL) {
  const admin = new URL(process.env.TEST_DATABASE_URL);
  const name = `stepwise_e2e_${Date.now().toString(36)}`;
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  env.DATABASE_URL = url.toString();
  closeDatabase = async () => {
    const c = new pg.Client({ connectionString: admin.toString() });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  };
} else {
  const db = await startEmbeddedPostgres({ dataDir: path.join(env.STEPWISE_DATA_DIR, "postgres") });
  env.DATABASE_URL = db.url;
  closeDatabase = db.stop;
}

const shared: E2eEnv = {
  databaseUrl: env.DATABASE_URL,
  emulatorUrl: `http://127.0.0.1:${env.EMULATOR_PORT}`,
  dataDir: env.STEPWISE_DATA_DIR,
  distDir: env.NEXT_DIST_DIR,
  metricsToken: env.METRICS_TOKEN,
  eventBridgeSecret: env.EVENTBRIDGE_SECRET,
};
await writeFile(e2eEnvFile(port), JSON.stringify(shared));

const app = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
  stdio: ["ignore", "pipe", "pipe"],
  env,
});
// What `npm start` printed, for e2e/quiet-start.spec.ts, and shown here as always.
const startLog = createWriteStream(path.join(env.STEPWISE_DATA_DIR, "start.log"));
app.stdout.on("data", (chunk: Buffer) => {
  process.stdout.write(chunk);
  startLog.write(chunk);
});
app.stderr.on("data", (chunk: Buffer) => {
  process.stderr.write(chunk);
  startLog.write(chunk);
});
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  app.kill("SIGTERM");
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
app.on("exit", async (code) => {
  await closeDatabase().catch(() => {});
  process.exit(stopping ? 0 : (code ?? 1));
});
