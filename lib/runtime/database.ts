/**
 * Which Postgres this process uses: DATABASE_URL when set, otherwise the embedded
 * one under STEPWISE_DATA_DIR (default `.data`). Shared by `npm start`, `npm run
 * db:migrate`, `npm run sync`, `npm run token` and the benchmark so they all land
 * on the same database.
 */
import path from "node:path";
import { startEmbeddedPostgres } from "@/lib/db/embedded";

export type ResolvedDatabase = { url: string; embedded: boolean; stop: () => Promise<void> };

export function dataDir(): string {
  return path.resolve(process.env.STEPWISE_DATA_DIR ?? ".data");
}

export async function resolveDatabase(options: { log?: (line: string) => void } = {}): Promise<ResolvedDatabase> {
  const configured = process.env.DATABASE_URL;
  if (configured) return { url: configured, embedded: false, stop: async () => {} };
  const port = process.env.EMBEDDED_PG_PORT ? Number(process.env.EMBEDDED_PG_PORT) : undefined;
  const db = await startEmbeddedPostgres({ dataDir: path.join(dataDir(), "postgres"), port, log: options.log });
  return { url: db.url, embedded: true, stop: db.stop };
}

/** The URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable database URL)";
  }
}
