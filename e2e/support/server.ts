/**
 * The app under test, started exactly as `npm start` starts it, on its own data:
 * a fresh database on the server in TEST_DATABASE_URL when set (dropped afterwards),
 * else an embedded Postgres in .data/e2e that is wiped first.
 */
import { spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import path from "node:path";
import pg from "pg";

const env: NodeJS.ProcessEnv = { ...process.env };
// Each e2e port gets its own build directory, so parallel runs on one machine do not collide.
env.NEXT_DIST_DIR ??= `.next-e2e-${process.env.PORT ?? "3100"}`;
// The demo AWS emulator of the app under test; specs reach its admin API on this port.
env.EMULATOR_PORT ??= String(Number(process.env.PORT ?? 3100) + 2000);
let dropDatabase: (() => Promise<void>) | undefined;

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
  dropDatabase = async () => {
    const c = new pg.Client({ connectionString: admin.toString() });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  };
} else {
  delete env.DATABASE_URL;
  env.STEPWISE_DATA_DIR = path.resolve(`.data/e2e-${process.env.PORT ?? "3100"}`);
  await rm(env.STEPWISE_DATA_DIR, { recursive: true, force: true });
}

const app = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], { stdio: "inherit", env });
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  app.kill("SIGTERM");
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
app.on("exit", async (code) => {
  await dropDatabase?.().catch(() => {});
  process.exit(stopping ? 0 : (code ?? 1));
});
