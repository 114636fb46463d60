import "server-only";
import { pool } from "@/lib/db";
import packageJson from "@/package.json";

export type HealthReport = {
  status: "ok" | "degraded";
  version: string;
  uptimeSeconds: number;
  db: { ok: boolean; latencyMs?: number; error?: string };
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

export async function getHealth(): Promise<HealthReport> {
  const db = await checkDatabase();
  return {
    status: db.ok ? "ok" : "degraded",
    version: packageJson.version,
    uptimeSeconds: Math.round(process.uptime()),
    db,
  };
}
