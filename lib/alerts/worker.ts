/**
 * The alert delivery worker: graphile-worker (a Postgres job queue — jobs are rows locked with SKIP LOCKED,
 * woken by LISTEN/NOTIFY) running the `alert_delivery` task. Every app instance runs one (in its sync
 * process, scripts/sync.ts); a job is taken by exactly one worker at a time, a failed attempt is retried
 * with graphile-worker's exponential backoff (exp(attempt) seconds) up to DELIVERY_MAX_ATTEMPTS, and a job
 * whose worker died is picked up again after graphile-worker's lock timeout. Jobs survive restarts: they are
 * rows, enqueued in the sync transaction that raised the alert (lib/alerts/evaluate.ts).
 *
 * graphile-worker 0.17.3 is the newest release whose `engines` accept Node 20 (0.18 needs Node 22.18).
 */
import "server-only";
import { Logger, type Runner, run, runMigrations } from "graphile-worker";
import type pg from "pg";
import { z } from "zod";
import { logger as baseLogger } from "@/lib/log";
import { deliverAlert } from "./deliver";
import { DELIVERY_TASK } from "./evaluate";
import { evaluatePeriodicAlerts, PERIODIC_TASK } from "./periodic";

const DeliveryJob = z.object({ deliveryId: z.number().int().positive() });

const log = baseLogger.child({ module: "alerts" });
const graphileLogger = new Logger((scope) => (level, message, meta) => {
  const fields = { ...scope, ...(meta ?? {}) };
  if (level === "error") log.error(fields, message);
  else if (level === "warning") log.warn(fields, message);
  else log.debug(fields, message);
});

/** Creates or upgrades graphile-worker's own schema (`graphile_worker`); lib/db/migrate.ts calls it. */
export async function migrateJobQueue(connectionString: string): Promise<void> {
  await runMigrations({ connectionString, logger: graphileLogger });
}

export async function startAlertWorker(options: {
  pgPool: pg.Pool;
  concurrency?: number;
  pollInterval?: number;
}): Promise<Runner> {
  return run({
    pgPool: options.pgPool,
    concurrency: options.concurrency ?? 4,
    pollInterval: options.pollInterval ?? 2000,
    noHandleSignals: true,
    logger: graphileLogger,
    // Once a minute, run by one instance only (graphile-worker's cron keeps one job per schedule slot).
    crontab: `* * * * * ${PERIODIC_TASK} ?max=1`,
    taskList: {
      [PERIODIC_TASK]: async () => {
        const created = await evaluatePeriodicAlerts({ db: options.pgPool });
        if (created.length) log.info({ alerts: created.length }, "periodic alerts raised");
      },
      [DELIVERY_TASK]: async (payload, helpers) => {
        const { deliveryId } = DeliveryJob.parse(payload);
        const outcome = await deliverAlert({
          deliveryId,
          lastAttempt: helpers.job.attempts >= helpers.job.max_attempts,
          db: options.pgPool,
        });
        log.info({ deliveryId, outcome, attempt: helpers.job.attempts }, "alert delivery");
      },
    },
  });
}
