/**
 * Retention: audit_log, ingested_event and live_event rows older than their configured age are
 * deleted, in batches (no long lock, no huge transaction), by the sync worker while it holds a source
 * lease (lib/sync/worker.ts calls `maybeRun` after its passes), at most once per interval, and by one
 * instance at a time (a Postgres advisory lock): so with N instances the job still runs once.
 *
 *   AUDIT_RETENTION_DAYS            365   the audit log (who did what, refused credentials)
 *   INGESTED_EVENT_RETENTION_DAYS    14   EventBridge de-duplication (AWS retries for at most 24 h)
 *   LIVE_EVENT_RETENTION_DAYS         1   the live change feed (catch-up reaches 10 minutes back)
 *   RETENTION_INTERVAL_MINUTES       60   how often the worker runs it
 */
import "server-only";
import type pg from "pg";
import type { Logger } from "@/lib/log";

export type RetentionSettings = { auditDays: number; ingestedEventDays: number; liveEventDays: number };
export type RetentionResult = { auditLog: number; ingestedEvent: number; liveEvent: number };

const DAY_MS = 86_400_000;
/** pg_try_advisory_lock key: "stepwise retention". */
const LOCK_KEY = 0x5eed_a7e;

function days(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number of days, got "${raw}"`);
  return value;
}

export function retentionSettings(env: Record<string, string | undefined> = process.env): RetentionSettings {
  return {
    auditDays: days(env, "AUDIT_RETENTION_DAYS", 365),
    ingestedEventDays: days(env, "INGESTED_EVENT_RETENTION_DAYS", 14),
    liveEventDays: days(env, "LIVE_EVENT_RETENTION_DAYS", 1),
  };
}

type Queryable = Pick<pg.Pool | pg.PoolClient, "query">;

/** Deletes rows older than `cutoff` from one table, `batch` rows per statement, until none is left. */
async function deleteOlder(db: Queryable, table: string, key: string, column: string, cutoff: number, batch: number) {
  let total = 0;
  for (;;) {
    const result = await db.query(
      `DELETE FROM ${table} WHERE ${key} IN (
         SELECT ${key} FROM ${table} WHERE ${column} < (to_timestamp($1::float8 / 1000) AT TIME ZONE 'UTC') LIMIT $2)`,
      [cutoff, batch],
    );
    total += result.rowCount ?? 0;
    if ((result.rowCount ?? 0) < batch) return total;
  }
}

/** One retention pass at `now`: what was deleted from each table. */
export async function applyRetention({
  db,
  now,
  settings = retentionSettings(),
  batch = 5_000,
}: {
  db: Queryable;
  now: number;
  settings?: RetentionSettings;
  batch?: number;
}): Promise<RetentionResult> {
  return {
    auditLog: await deleteOlder(db, "audit_log", "id", "at", now - settings.auditDays * DAY_MS, batch),
    ingestedEvent: await deleteOlder(
      db,
      "ingested_event",
      "id",
      "received_at",
      now - settings.ingestedEventDays * DAY_MS,
      batch,
    ),
    liveEvent: await deleteOlder(db, "live_event", "id", "created_at", now - settings.liveEventDays * DAY_MS, batch),
  };
}

export type RetentionHook = {
  /** Runs a pass when the interval has passed since this worker's last one and no other instance is running one. */
  maybeRun(): Promise<RetentionResult | null>;
};

export function createRetentionHook({
  db,
  log,
  now = Date.now,
  intervalMs = Number(process.env.RETENTION_INTERVAL_MINUTES ?? 60) * 60_000,
}: {
  db: pg.Pool;
  log?: Logger;
  now?: () => number;
  intervalMs?: number;
}): RetentionHook {
  let lastRun = Number.NEGATIVE_INFINITY;
  return {
    async maybeRun() {
      const at = now();
      if (at - lastRun < intervalMs) return null;
      lastRun = at;
      const client = await db.connect();
      try {
        const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [
          LOCK_KEY,
        ]);
        if (!rows[0]?.locked) return null;
        try {
          const result = await applyRetention({ db: client, now: at });
          if (result.auditLog + result.ingestedEvent + result.liveEvent > 0) log?.info(result, "retention pass");
          return result;
        } finally {
          await client.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY]);
        }
      } catch (error) {
        log?.error({ error: error instanceof Error ? error.message : String(error) }, "retention pass failed");
        return null;
      } finally {
        client.release();
      }
    },
  };
}
