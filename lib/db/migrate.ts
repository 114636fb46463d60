/**
 * Applies the SQL migrations in prisma/migrations without Prisma's schema engine
 * (which cannot be downloaded in every environment we run in).
 *
 * Bookkeeping is Prisma's own `_prisma_migrations` table with the same checksum
 * (SHA-256 hex of migration.sql), so `prisma migrate status` / `deploy` agree on
 * machines that do have the engine. Each migration runs in its own transaction;
 * the whole run holds an advisory lock so several app instances starting at once
 * apply each migration exactly once. A migration whose file changed after it was
 * applied stops the run: the database and the repository disagree and a human
 * must decide.
 */
import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { Logger, runMigrations as runJobQueueMigrations } from "graphile-worker";
import pg from "pg";

// Arbitrary but fixed: every Stepwise process agrees on it.
const MIGRATION_LOCK_KEY = 72_657_301;

export type Migration = { name: string; sql: string; checksum: string };
export type MigrateResult = { applied: string[]; alreadyApplied: number };

export class MigrationError extends Error {
  override name = "MigrationError";
}

export async function readMigrations(dir = path.resolve("prisma/migrations")): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    }),
  );
}

const CREATE_BOOKKEEPING = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum"            VARCHAR(64) NOT NULL,
  "finished_at"         TIMESTAMPTZ,
  "migration_name"      VARCHAR(255) NOT NULL,
  "logs"                TEXT,
  "rolled_back_at"      TIMESTAMPTZ,
  "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export async function migrate(options: {
  databaseUrl: string;
  migrationsDir?: string;
  log?: (line: string) => void;
}): Promise<MigrateResult> {
  const log = options.log ?? (() => {});
  const migrations = await readMigrations(options.migrationsDir);
  const client = new pg.Client({ connectionString: options.databaseUrl, application_name: "stepwise-migrate" });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    await client.query(CREATE_BOOKKEEPING);
    const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
    );
    const applied = new Map(rows.map((row) => [row.migration_name, row]));
    for (const row of rows) {
      if (!row.finished_at) {
        throw new MigrationError(
          `Migration ${row.migration_name} started but never finished; resolve it before starting.`,
        );
      }
    }
    const known = new Set(migrations.map((migration) => migration.name));
    for (const name of applied.keys()) {
      if (!known.has(name)) {
        throw new MigrationError(`The database has migration ${name}, which this version of Stepwise does not know.`);
      }
    }
    const done: string[] = [];
    for (const migration of migrations) {
      const previous = applied.get(migration.name);
      if (previous) {
        if (previous.checksum !== migration.checksum) {
          throw new MigrationError(
            `Migration ${migration.name} was modified after it was applied (checksum ${previous.checksum.slice(0, 12)}… in the database, ${migration.checksum.slice(0, 12)}… on disk). Restore the file and add a new migration instead.`,
          );
        }
        continue;
      }
      await client.query("BEGIN");
      try {
        await client.query(migration.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
           VALUES ($1, $2, now(), $3, now(), 1)`,
          [randomUUID(), migration.checksum, migration.name],
        );
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        const message = error instanceof Error ? error.message : String(error);
        throw new MigrationError(`Migration ${migration.name} failed and was rolled back: ${message}`);
      }
      // An upgrade names what it changed; a new database is one line for the caller to print (npm start's
      // first screen is not a list of every migration ever written).
      if (applied.size > 0) log(`applied migration ${migration.name}`);
      done.push(migration.name);
    }
    // The alert delivery queue's own schema (graphile_worker, lib/alerts/worker.ts), which graphile-worker
    // creates and upgrades itself; the sync enqueues into it, so it must exist before any sync runs.
    await runJobQueueMigrations({
      connectionString: options.databaseUrl,
      logger: new Logger(() => (level, message) => {
        if (level === "error") log(`job queue: ${message}`);
      }),
    });
    return { applied: done, alreadyApplied: migrations.length - done.length };
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => {});
    await client.end();
  }
}
