import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { logger } from "@/lib/log";

// One pool and one Prisma client per process. Neither connects before the first
// query, so importing this during `next build` is harmless. Kept on globalThis so
// Next's dev-mode module reloading does not open a new pool on every edit.
type Db = { pool: pg.Pool; prisma: PrismaClient; queries: { count: number } };
const holder = globalThis as typeof globalThis & { __stepwiseDb?: Db };

/**
 * Postgres' statement_timeout for this process's connections, in ms (0: none). Request-serving processes
 * (the web app) use DATABASE_STATEMENT_TIMEOUT_MS, default 15 s, so one runaway query cannot hold a pooled
 * connection and a CPU indefinitely; the sync process (STEPWISE_DB_ROLE=sync, set by scripts/sync.ts) uses
 * SYNC_STATEMENT_TIMEOUT_MS, default none, for its bulk writes. Migrations use their own connection.
 */
export function statementTimeoutMs(env: Record<string, string | undefined> = process.env): number {
  const sync = env.STEPWISE_DB_ROLE === "sync";
  const raw = sync ? env.SYNC_STATEMENT_TIMEOUT_MS : env.DATABASE_STATEMENT_TIMEOUT_MS;
  const value = raw === undefined || raw === "" ? (sync ? 0 : 15_000) : Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`${sync ? "SYNC" : "DATABASE"}_STATEMENT_TIMEOUT_MS must be a number of milliseconds ≥ 0`);
  }
  return Math.floor(value);
}

function createDb(): Db {
  const pool = new pg.Pool({
    connectionString: process.env.DATABASE_URL,
    max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
    application_name: "stepwise",
    // The portal's queries are short index scans; JIT compilation once added seconds to a series plan.
    options: `-c jit=off -c statement_timeout=${statementTimeoutMs()}`,
  });
  // An idle client that loses its connection (e.g. Postgres restart) must not crash the process.
  pool.on("error", (error) => logger.error({ error: error.message }, "idle database client error"));
  // Every statement through the pool (ours and Prisma's) is counted, so the benchmark and the
  // query-count tests can tell how many round trips a page costs (exported by /api/metrics).
  const queries = { count: 0 };
  pool.on("connect", (client) => {
    const original = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      queries.count++;
      return original(...args);
    };
  });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return { pool, prisma, queries };
}

const db = holder.__stepwiseDb ?? createDb();
holder.__stepwiseDb = db;

export const pool = db.pool;
export const prisma = db.prisma;

/** Statements sent through this process's pool since it started. */
export function queryCount(): number {
  return db.queries.count;
}

/** Runs one parameterised SQL statement and returns its rows. */
export async function sql<Row extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<Row[]> {
  const result = await pool.query<Row>(text, params);
  return result.rows;
}

/**
 * Runs `work` in one transaction on a client of `db` (this process's pool by default): COMMIT when it
 * resolves, ROLLBACK when it throws (the error is rethrown), the client released either way.
 */
export async function transaction<T>(work: (client: pg.PoolClient) => Promise<T>, db: pg.Pool = pool): Promise<T> {
  const client = await db.connect();
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
