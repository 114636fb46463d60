/**
 * The background sync worker: one per app instance, splitting sources across instances with row leases on
 * aws_source (lease_owner, lease_expires_at). Every tick a worker tries to take or extend the lease of each
 * enabled source with one conditional UPDATE (free, expired, or already ours), runs a pass over the sources
 * it holds, and renews the lease while a pass runs; when a renewal finds the lease gone (another instance
 * took it after expiry) the pass is aborted. `stop()` aborts passes and releases its leases; an instance that
 * dies without stopping simply lets them expire (STEPWISE_LEASE_SECONDS) and another instance takes over.
 */
import "server-only";
import { randomBytes } from "node:crypto";
import os from "node:os";
import pg from "pg";
import { createRetentionHook } from "@/lib/audit/retention";
import { pool as defaultPool } from "@/lib/db";
import type { AwsSource } from "@/lib/generated/prisma/client";
import { logger as baseLogger, type Logger, toSyncLogger } from "@/lib/log";
import type { SyncHooks } from "./context";
import { type PassSummary, runSourcePass } from "./pass";
import { errorMessage } from "./runs";
import { loadSourceConfigs, SOURCE_COLUMNS, upsertSources } from "./sources";

export type SyncWorkerOptions = {
  /** A dedicated pool for this worker; default: the process pool of lib/db (DATABASE_URL). */
  databaseUrl?: string;
  log?: Logger;
  /** Default: hostname:pid:random. */
  instanceId?: string;
  /** Default STEPWISE_LEASE_SECONDS or 30. */
  leaseSeconds?: number;
  /** Pause between ticks; default STEPWISE_SYNC_TICK_SECONDS or 3. */
  tickSeconds?: number;
  /** Only these source keys (tests). */
  sourceKeys?: string[];
  /** Upsert the configured sources at start (default true). */
  upsertConfigured?: boolean;
  hooks?: SyncHooks;
  /** Called after every pass (tests, logs). */
  onPass?: (summary: PassSummary) => void;
};

export type SyncWorker = {
  id: string;
  /** Stops the loop and aborts running passes; releases the leases unless told not to (a simulated crash). */
  stop(options?: { releaseLeases?: boolean }): Promise<void>;
  /** Source keys whose lease this worker holds right now. */
  held(): string[];
};

const envSeconds = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};

export function newInstanceId(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
}

/** Takes or extends the lease; returns the source row when this instance holds it afterwards. */
export async function acquireLease(
  db: pg.Pool,
  sourceId: number,
  owner: string,
  seconds: number,
): Promise<AwsSource | null> {
  const { rows } = await db.query<AwsSource>(
    `UPDATE aws_source SET lease_owner = $2,
        lease_expires_at = (now() AT TIME ZONE 'UTC') + make_interval(secs => $3)
      WHERE id = $1 AND enabled
        AND (lease_owner IS NULL OR lease_owner = $2 OR lease_expires_at IS NULL
             OR lease_expires_at < now() AT TIME ZONE 'UTC')
      RETURNING ${SOURCE_COLUMNS}`,
    [sourceId, owner, seconds],
  );
  return rows[0] ?? null;
}

export async function renewLease(db: pg.Pool, sourceId: number, owner: string, seconds: number): Promise<boolean> {
  const r = await db.query(
    `UPDATE aws_source SET lease_expires_at = (now() AT TIME ZONE 'UTC') + make_interval(secs => $3)
      WHERE id = $1 AND lease_owner = $2`,
    [sourceId, owner, seconds],
  );
  return (r.rowCount ?? 0) > 0;
}

export async function releaseLeases(db: pg.Pool, owner: string): Promise<void> {
  await db.query("UPDATE aws_source SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = $1", [owner]);
}

export function startSyncWorker(options: SyncWorkerOptions = {}): SyncWorker {
  const id = options.instanceId ?? newInstanceId();
  const log = (options.log ?? baseLogger).child({ worker: id });
  const leaseSeconds = options.leaseSeconds ?? envSeconds("STEPWISE_LEASE_SECONDS", 30);
  const tickMs = (options.tickSeconds ?? envSeconds("STEPWISE_SYNC_TICK_SECONDS", 3)) * 1000;
  const ownPool = options.databaseUrl
    ? new pg.Pool({ connectionString: options.databaseUrl, max: 6, application_name: "stepwise-sync" })
    : null;
  ownPool?.on("error", (error) => log.error({ error: error.message }, "sync pool idle client error"));
  const db = ownPool ?? defaultPool;
  const stopping = new AbortController();
  const held = new Set<string>();
  // ── retention (issue #14, lib/audit/retention.ts): run by a worker that holds a lease, hourly ──
  const retention = createRetentionHook({ db, log });
  let wake: (() => void) | undefined;
  let releaseOnStop = true;

  const passFor = async (source: AwsSource) => {
    const lost = new AbortController();
    const signal = AbortSignal.any([stopping.signal, lost.signal]);
    const renew = setInterval(
      () => {
        renewLease(db, source.id, id, leaseSeconds)
          .then((ok) => {
            if (!ok) {
              log.warn({ source: source.key }, "sync lease lost; aborting the pass");
              held.delete(source.key);
              lost.abort(new Error("lease lost"));
            }
          })
          .catch((error: unknown) =>
            log.error({ source: source.key, error: errorMessage(error) }, "lease renewal failed"),
          );
      },
      Math.max(500, (leaseSeconds * 1000) / 3),
    );
    try {
      const summary = await runSourcePass(source, {
        db,
        signal,
        hooks: options.hooks,
        log: toSyncLogger(log, { source: source.key }),
      });
      options.onPass?.(summary);
      if (summary.executionsChanged > 0 || summary.failures > 0 || summary.full) {
        log.info({ ...summary, cursors: undefined }, "sync pass");
      }
    } catch (error) {
      if (!signal.aborted) log.error({ source: source.key, error: errorMessage(error) }, "sync pass failed");
    } finally {
      clearInterval(renew);
    }
  };

  const loop = (async () => {
    if (options.upsertConfigured ?? true) {
      try {
        const configured = loadSourceConfigs();
        if (configured.sources.length > 0) await upsertSources(configured.sources, db);
        log.info({ sources: configured.sources.map((s) => s.key), origin: configured.origin }, "sync worker started");
      } catch (error) {
        log.error({ error: errorMessage(error) }, "sync sources are misconfigured; using the sources already stored");
      }
    }
    while (!stopping.signal.aborted) {
      try {
        const { rows } = await db.query<{ id: number; key: string }>(
          `SELECT id, key FROM aws_source WHERE enabled AND ($1::text[] IS NULL OR key = ANY($1)) ORDER BY key`,
          [options.sourceKeys ?? null],
        );
        const mine: AwsSource[] = [];
        for (const row of rows) {
          if (stopping.signal.aborted) break;
          const source = await acquireLease(db, row.id, id, leaseSeconds);
          if (source) {
            if (!held.has(source.key)) log.info({ source: source.key }, "sync lease acquired");
            held.add(source.key);
            mine.push(source);
          } else {
            held.delete(row.key);
          }
        }
        await Promise.all(mine.map((source) => passFor(source)));
        if (mine.length > 0 && !stopping.signal.aborted) await retention.maybeRun();
      } catch (error) {
        if (!stopping.signal.aborted) log.error({ error: errorMessage(error) }, "sync tick failed");
      }
      if (stopping.signal.aborted) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, tickMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    if (releaseOnStop) await releaseLeases(db, id).catch(() => undefined);
    held.clear();
    if (ownPool) await ownPool.end().catch(() => undefined);
  })();

  return {
    id,
    held: () => [...held],
    async stop(stopOptions = {}) {
      releaseOnStop = stopOptions.releaseLeases ?? true;
      stopping.abort(new Error("sync worker stopping"));
      wake?.();
      await loop;
    },
  };
}
