import "server-only";
import { pool } from "@/lib/db";
import { getSyncHealth, type SyncHealth } from "@/lib/sync";
import packageJson from "@/package.json";

/** What anyone may read (load balancers, uptime checks): up or not, and whether the database answers. */
export type PublicHealth = { status: "ok" | "degraded"; db: { ok: boolean } };

export type HealthReport = {
  status: "ok" | "degraded";
  version: string;
  uptimeSeconds: number;
  db: { ok: boolean; latencyMs?: number; error?: string };
  /** Per-source sync status. Informational: a lagging AWS sync does not make the instance unhealthy. */
  sync?: SyncHealth | { ok: false; error: string };
};

const DB_TIMEOUT_MS = 2_000;

async function checkDatabase(): Promise<HealthReport["db"]> {
  const started = performance.now();
  try {
    await Promise.race([
      pool.query("SELECT 1"),
      new Promise((_, reject) => setTimeout(() => reject(new Error("timed out")), DB_TIMEOUT_MS).unref()),
    ]);
    return { ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  } catch (error) {
    // Only the kind of failure: connection strings and hostnames stay out of a public endpoint.
    const code = (error as { code?: string }).code;
    const message = error instanceof Error && error.message === "timed out" ? "timed out" : "unreachable";
    return { ok: false, error: code ? `${message} (${code})` : message };
  }
}

/** The public answer: no version, no timings, no sync details. One `SELECT 1`. */
export async function getPublicHealth(): Promise<PublicHealth> {
  const db = await checkDatabase();
  return { status: db.ok ? "ok" : "degraded", db: { ok: db.ok } };
}

/** The full report, for METRICS_TOKEN holders and admins (app/api/health/route.ts decides). */
export async function getHealth(): Promise<HealthReport> {
  const db = await checkDatabase();
  let sync: HealthReport["sync"];
  if (db.ok) {
    sync = await getSyncHealth().catch(() => ({ ok: false as const, error: "sync status unavailable" }));
  }
  return {
    status: db.ok ? "ok" : "degraded",
    version: packageJson.version,
    uptimeSeconds: Math.round(process.uptime()),
    db,
    sync,
  };
}
