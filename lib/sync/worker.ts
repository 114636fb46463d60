/**
 * The background sync worker: one per app instance, splitting sources across instances with row leases on
 * aws_source (lease_owner, lease_epoch, lease_expires_at).
 *
 * - Fair split: every instance heartbeats into `sync_instance`; with n instances alive (same scope) and s
 *   enabled sources, an instance takes at most ceil(s / n) leases, and one holding more than that releases
 *   the surplus (highest keys first) after their current pass, so a newcomer gets its share.
 * - One loop per source: each held source has its own loop (pass, pause, pass …), so a slow source never
 *   holds up the others.
 * - Leases that fence: taking a lease that was free or expired bumps `lease_epoch`; every write of a pass
 *   checks owner + epoch + expiry (lib/sync/fence.ts). The loop renews the lease every third of its
 *   lifetime; a failed renewal, or a lease that lapsed locally (no successful renewal for its lifetime),
 *   aborts the pass. An instance whose lease was taken over therefore writes nothing more.
 * - Push: the EventBridge route NOTIFYs `stepwise_ingest`; a LISTEN connection wakes every source loop so
 *   queued events are handled at once rather than at the next tick.
 *
 * `stop()` aborts passes and releases its leases; an instance that dies without stopping simply lets them
 * expire (STEPWISE_LEASE_SECONDS) and its heartbeat go stale, and the others take over.
 */
import "server-only";
import { randomBytes } from "node:crypto";
import { setMaxListeners } from "node:events";
import os from "node:os";
import pg from "pg";
import { createRetentionHook } from "@/lib/audit/retention";
import { pool as defaultPool } from "@/lib/db";
import type { AwsSource } from "@/lib/generated/prisma/client";
import { logger as baseLogger, type Logger, toSyncLogger } from "@/lib/log";
import type { SyncHooks } from "./context";
import { INGEST_CHANNEL } from "./eventbridge";
import { isLeaseLost } from "./fence";
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
  /** Pause between a source's passes; default STEPWISE_SYNC_TICK_SECONDS or 3. */
  tickSeconds?: number;
  /** Only these source keys (tests). Workers compete (fair split) with workers of the same key set. */
  sourceKeys?: string[];
  /** Upsert the configured sources at start (default true). */
  upsertConfigured?: boolean;
  hooks?: SyncHooks;
  /** Called after every pass (tests, logs). */
  onPass?: (summary: PassSummary) => void;
  /** Listen for EventBridge ingest notifications (default true). */
  listen?: boolean;
};

export type SyncWorker = {
  id: string;
  /** Stops the loops and aborts running passes; releases the leases unless told not to (a simulated crash). */
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

export type HeldSource = AwsSource & { leaseEpoch: number };

/**
 * Takes or extends the lease; returns the source row (with the lease epoch) when this instance holds it
 * afterwards. Taking a lease that was free, expired or someone else's bumps the epoch.
 */
export async function acquireLease(
  db: pg.Pool,
  sourceId: number,
  owner: string,
  seconds: number,
): Promise<HeldSource | null> {
  const { rows } = await db.query<HeldSource>(
    `UPDATE aws_source SET lease_owner = $2,
        lease_epoch = CASE WHEN lease_owner = $2 AND lease_expires_at > now() AT TIME ZONE 'UTC'
                           THEN lease_epoch ELSE lease_epoch + 1 END,
        lease_expires_at = (now() AT TIME ZONE 'UTC') + make_interval(secs => $3)
      WHERE id = $1 AND enabled
        AND (lease_owner IS NULL OR lease_owner = $2 OR lease_expires_at IS NULL
             OR lease_expires_at < now() AT TIME ZONE 'UTC')
      RETURNING ${SOURCE_COLUMNS}, lease_epoch AS "leaseEpoch"`,
    [sourceId, owner, seconds],
  );
  return rows[0] ?? null;
}

/** Extends a lease that is still ours and still valid (a lapsed one must be taken again, with a new epoch). */
export async function renewLease(
  db: pg.Pool,
  sourceId: number,
  owner: string,
  seconds: number,
  epoch?: number,
): Promise<boolean> {
  const r = await db.query(
    `UPDATE aws_source SET lease_expires_at = (now() AT TIME ZONE 'UTC') + make_interval(secs => $3)
      WHERE id = $1 AND lease_owner = $2 AND ($4::int IS NULL OR lease_epoch = $4)
        AND lease_expires_at > now() AT TIME ZONE 'UTC'`,
    [sourceId, owner, seconds, epoch ?? null],
  );
  return (r.rowCount ?? 0) > 0;
}

export async function releaseLeases(db: pg.Pool, owner: string, sourceId?: number): Promise<void> {
  await db.query(
    "UPDATE aws_source SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = $1 AND ($2::int IS NULL OR id = $2)",
    [owner, sourceId ?? null],
  );
}

/** ceil(sources / live instances): the most leases one instance takes while the others are alive. */
export const fairShare = (sources: number, instances: number) => Math.ceil(sources / Math.max(1, instances));

type Loop = {
  source: HeldSource;
  stop: AbortController;
  /** Release the lease after the current pass (surplus over the fair share). */
  release: boolean;
  wake?: () => void;
  done: Promise<void>;
};

export function startSyncWorker(options: SyncWorkerOptions = {}): SyncWorker {
  const id = options.instanceId ?? newInstanceId();
  const log = (options.log ?? baseLogger).child({ worker: id });
  const leaseSeconds = options.leaseSeconds ?? envSeconds("STEPWISE_LEASE_SECONDS", 30);
  const leaseMs = leaseSeconds * 1000;
  const tickMs = (options.tickSeconds ?? envSeconds("STEPWISE_SYNC_TICK_SECONDS", 3)) * 1000;
  const scope = options.sourceKeys ? [...options.sourceKeys].sort().join(",") : "";
  const ownPool = options.databaseUrl
    ? new pg.Pool({ connectionString: options.databaseUrl, max: 8, application_name: "stepwise-sync" })
    : null;
  ownPool?.on("error", (error) => log.error({ error: error.message }, "sync pool idle client error"));
  const db = ownPool ?? defaultPool;
  const stopping = new AbortController();
  const loops = new Map<number, Loop>();
  // ── retention (lib/audit/retention.ts): run by a worker that holds a lease, hourly ──
  const retention = createRetentionHook({ db, log });
  let releaseOnStop = true;
  let wakeCoordinator: (() => void) | undefined;

  const pause = (ms: number, signal: AbortSignal, onWake: (wake: () => void) => void) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      onWake(done);
    });

  const reload = async (sourceId: number): Promise<AwsSource | null> => {
    const { rows } = await db.query<AwsSource>(`SELECT ${SOURCE_COLUMNS} FROM aws_source WHERE id = $1`, [sourceId]);
    return rows[0] ?? null;
  };

  const runLoop = async (loop: Loop) => {
    const { source } = loop;
    const lease = { owner: id, epoch: source.leaseEpoch };
    // The lease is valid until `validUntil` as far as this instance can tell (renewals move it on); past it,
    // another instance may already hold the source, so the pass stops even if the database is unreachable.
    let validUntil = Date.now() + leaseMs;
    const renewal = setInterval(
      () => {
        if (Date.now() >= validUntil) {
          log.warn({ source: source.key }, "sync lease lapsed; aborting the pass");
          loop.stop.abort(new Error("lease lapsed"));
          return;
        }
        const sent = Date.now();
        renewLease(db, source.id, id, leaseSeconds, lease.epoch)
          .then((ok) => {
            if (ok) validUntil = sent + leaseMs;
            else {
              log.warn({ source: source.key }, "sync lease lost; aborting the pass");
              loop.stop.abort(new Error("lease lost"));
            }
          })
          .catch((error: unknown) =>
            log.error({ source: source.key, error: errorMessage(error) }, "lease renewal failed"),
          );
      },
      Math.max(250, leaseMs / 3),
    );
    const signal = AbortSignal.any([stopping.signal, loop.stop.signal]);
    // Every concurrent AWS call of a pass listens to this one signal; more than Node's default 10 is expected.
    setMaxListeners(1_000, signal);
    try {
      while (!signal.aborted) {
        const current = await reload(source.id);
        if (!current?.enabled) break;
        try {
          const summary = await runSourcePass(current, {
            db,
            signal,
            lease,
            hooks: options.hooks,
            log: toSyncLogger(log, { source: source.key }),
          });
          options.onPass?.(summary);
          if (summary.executionsChanged > 0 || summary.failures > 0 || summary.full) {
            log.info({ ...summary, cursors: undefined }, "sync pass");
          }
        } catch (error) {
          if (isLeaseLost(error)) {
            log.warn({ source: source.key }, "sync lease taken over; the pass stopped writing");
            break;
          }
          if (!signal.aborted) log.error({ source: source.key, error: errorMessage(error) }, "sync pass failed");
        }
        if (loop.release) {
          await releaseLeases(db, id, source.id).catch(() => undefined);
          log.info({ source: source.key }, "sync lease released to another instance (fair share)");
          break;
        }
        await pause(tickMs, signal, (wake) => {
          loop.wake = wake;
        });
      }
    } finally {
      clearInterval(renewal);
      loops.delete(source.id);
      wakeCoordinator?.();
    }
  };

  const coordinate = async () => {
    await db.query(
      `INSERT INTO sync_instance (id, scope, started_at, heartbeat_at)
       VALUES ($1, $2, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
       ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, scope = excluded.scope`,
      [id, scope],
    );
    // Instances that stopped without saying so (crashed) are forgotten after a while.
    await db.query(
      "DELETE FROM sync_instance WHERE heartbeat_at < (now() AT TIME ZONE 'UTC') - make_interval(secs => $1)",
      [leaseSeconds * 100],
    );
    const { rows: alive } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sync_instance
        WHERE scope = $1 AND heartbeat_at > (now() AT TIME ZONE 'UTC') - make_interval(secs => $2)`,
      [scope, leaseSeconds],
    );
    const { rows: sources } = await db.query<{ id: number; key: string }>(
      `SELECT id, key FROM aws_source WHERE enabled AND ($1::text[] IS NULL OR key = ANY($1)) ORDER BY key`,
      [options.sourceKeys ?? null],
    );
    const share = fairShare(sources.length, alive[0]?.n ?? 1);
    const keep = [...loops.values()].filter((l) => !l.release).sort((a, b) => a.source.key.localeCompare(b.source.key));
    // Over the share (another instance joined): hand the surplus over after its current pass.
    for (const loop of keep.slice(share)) {
      loop.release = true;
      loop.wake?.();
    }
    let holding = Math.min(keep.length, share);
    for (const row of sources) {
      if (holding >= share || stopping.signal.aborted) break;
      if (loops.has(row.id)) continue;
      const source = await acquireLease(db, row.id, id, leaseSeconds);
      if (!source) continue;
      log.info({ source: source.key, epoch: source.leaseEpoch }, "sync lease acquired");
      const loop: Loop = { source, stop: new AbortController(), release: false, done: Promise.resolve() };
      loops.set(row.id, loop);
      loop.done = runLoop(loop);
      holding++;
    }
  };

  // Wakes every source loop when the ingest route queues events.
  // Lost (a Postgres restart), it is opened again at the next coordinator tick; meanwhile the loops' own
  // pauses still bring queued events in.
  const ingest: { client: pg.Client | null } = { client: null };
  const listen = async () => {
    if (options.listen === false || ingest.client || stopping.signal.aborted) return;
    const client = new pg.Client({ connectionString: options.databaseUrl ?? process.env.DATABASE_URL });
    try {
      const lost = () => {
        if (ingest.client === client) ingest.client = null;
      };
      client.on("error", (error) => {
        lost();
        if (!stopping.signal.aborted) log.warn({ error: error.message }, "ingest listener lost; reconnecting");
      });
      client.on("end", lost);
      client.on("notification", () => {
        for (const loop of loops.values()) loop.wake?.();
      });
      await client.connect();
      await client.query(`LISTEN ${INGEST_CHANNEL}`);
      ingest.client = client;
    } catch (error) {
      log.warn({ error: errorMessage(error) }, "no ingest listener: queued events wait for the next tick");
      await client.end().catch(() => undefined);
    }
  };

  const coordinator = (async () => {
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
        await listen();
        await coordinate();
        if (loops.size > 0 && !stopping.signal.aborted) await retention.maybeRun();
      } catch (error) {
        if (!stopping.signal.aborted) log.error({ error: errorMessage(error) }, "sync tick failed");
      }
      await pause(tickMs, stopping.signal, (wake) => {
        wakeCoordinator = wake;
      });
    }
    await Promise.all([...loops.values()].map((l) => l.done));
    if (releaseOnStop) {
      await releaseLeases(db, id).catch(() => undefined);
      await db.query("DELETE FROM sync_instance WHERE id = $1", [id]).catch(() => undefined);
    }
    await ingest.client?.end().catch(() => undefined);
    if (ownPool) await ownPool.end().catch(() => undefined);
  })();

  return {
    id,
    held: () => [...loops.values()].map((l) => l.source.key),
    async stop(stopOptions = {}) {
      releaseOnStop = stopOptions.releaseLeases ?? true;
      stopping.abort(new Error("sync worker stopping"));
      await coordinator;
    },
  };
}
