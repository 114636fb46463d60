/**
 * Starts the app against the bench database exactly as `npm start` does (demo
 * off, so no sync runs in the background and every SQL query counted belongs to
 * the measured request), and signs a bench user in by writing a session the way
 * next-auth's database strategy does (the cookie holds a random token, the
 * table its SHA-256).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import type { Browser, BrowserContext, BrowserContextOptions } from "@playwright/test";
import type pg from "pg";
import { cookieNames } from "@/lib/auth/config";
import { freePort } from "@/lib/db/embedded";

export type RunningApp = {
  baseUrl: string;
  cookie: string;
  token: string;
  queryCount: () => Promise<number>;
  stop: () => Promise<void>;
};

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the app exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/api/health`);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error("the app did not become healthy in time");
}

export async function startBenchApp(options: {
  databaseUrl: string;
  pool: pg.Pool;
  log: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}): Promise<RunningApp> {
  const port = await freePort();
  // The local IdP binds a port of its own choosing (0): PORT + 1 (the default) may be taken, and a second
  // freePort() in this process would return the same port as the first (it is not held).
  const idpPort = 0;
  const baseUrl = `http://127.0.0.1:${port}`;
  const metricsToken = randomBytes(16).toString("hex");
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      PORT: String(port),
      STEPWISE_DEMO: "off",
      // No background sync: every SQL statement counted while measuring belongs to the measured request.
      STEPWISE_SYNC: "off",
      STEPWISE_SOURCES: "[]",
      NEXTAUTH_URL: baseUrl,
      METRICS_TOKEN: metricsToken,
      EMULATOR_PORT: "0",
      LOCAL_IDP_PORT: String(idpPort),
      ...options.env,
    },
  });
  let output = "";
  // BENCH_APP_LOG=<file>: the app's whole output there too (e.g. with NODE_OPTIONS=--trace-gc for the app).
  const logFile = process.env.BENCH_APP_LOG ? createWriteStream(process.env.BENCH_APP_LOG, { flags: "a" }) : null;
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
    logFile?.write(chunk);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  child.once("exit", () => logFile?.end());
  options.log(`starting the app on ${baseUrl} (builds first if sources changed)…`);
  try {
    await waitForHealth(baseUrl, child, 600_000);
  } catch (error) {
    child.kill("SIGTERM");
    throw new Error(`${error instanceof Error ? error.message : error}\n${output}`);
  }

  const email = "bench@stepwise.local";
  const user = await options.pool.query<{ id: string }>(
    `INSERT INTO "user" (id, email, name, is_admin) VALUES ('bench-user', $1, 'Bench', true)
     ON CONFLICT (email) DO UPDATE SET name = excluded.name RETURNING id`,
    [email],
  );
  const userId = user.rows[0]?.id ?? "bench-user";
  const sessionToken = randomBytes(32).toString("hex");
  await options.pool.query(
    `INSERT INTO session (id, session_token, user_id, expires, absolute_expires_at)
     VALUES ($1, $2, $3, now() + interval '1 day', now() + interval '1 day')`,
    [`bench-${randomBytes(6).toString("hex")}`, sha256(sessionToken), userId],
  );
  const apiToken = `sw_${randomBytes(24).toString("base64url")}`;
  await options.pool.query(
    `INSERT INTO api_token (id, user_id, name, prefix, token_hash, can_write) VALUES ($1, $2, 'bench', $3, $4, false)`,
    [`bench-${randomBytes(6).toString("hex")}`, userId, apiToken.slice(0, 10), sha256(apiToken)],
  );

  return {
    baseUrl,
    cookie: `${cookieNames(false).sessionToken}=${sessionToken}`,
    token: apiToken,
    queryCount: async () => {
      const response = await fetch(`${baseUrl}/api/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
      if (!response.ok) return Number.NaN;
      const match = /^stepwise_db_queries_total\s+(\d+)/m.exec(await response.text());
      return match ? Number(match[1]) : Number.NaN;
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** A new browser context signed in as the app's bench user (its session cookie). */
export async function signedInContext(
  browser: Browser,
  app: RunningApp,
  options: BrowserContextOptions = {},
): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  const [name = "", ...value] = app.cookie.split("=");
  await context.addCookies([{ name, value: value.join("="), url: app.baseUrl }]);
  return context;
}
