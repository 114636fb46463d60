/**
 * The alerts' entry point for other domains (the sync): evaluation inside the caller's transaction. One read
 * decides whether any rule applies; if so, the evaluation runs under a savepoint — a failing one is logged
 * and rolled back alone, and never costs the sync its write.
 */
import "server-only";
import type pg from "pg";
import { anyRuleFor, evaluateRunAlerts } from "./evaluate";

export async function evaluateAlertsInTransaction(
  db: pg.PoolClient,
  runIds: number[],
  log: { error: (message: string, fields?: Record<string, unknown>) => void },
): Promise<number[]> {
  if (runIds.length === 0) return [];
  // One read when no rule applies (the usual case); the writes only then, under the savepoint.
  if (!(await anyRuleFor(db, runIds))) return [];
  await db.query("SAVEPOINT stepwise_alerts");
  try {
    const created = await evaluateRunAlerts(db, { runIds });
    await db.query("RELEASE SAVEPOINT stepwise_alerts");
    return created;
  } catch (error) {
    await db.query("ROLLBACK TO SAVEPOINT stepwise_alerts");
    log.error("alert evaluation failed", { runIds: runIds.slice(0, 10), error: String(error) });
    return [];
  }
}
