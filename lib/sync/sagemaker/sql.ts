/**
 * SQL helpers shared by the SageMaker sync; its writes go through lib/sync/fence.ts (under the source's
 * lease). Timestamps: the schema's columns are `timestamp(3)` holding UTC (as Prisma writes them), so values travel as ISO strings cast to timestamptz and are
 * converted with AT TIME ZONE 'UTC', independent of the session's TimeZone; reads that need a
 * timestamp in JS select it as ISO text for the same reason.
 */
import "server-only";

export const NOW_UTC = "(now() AT TIME ZONE 'UTC')";
export const isoUtc = (column: string) => `to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/** Rows per bulk statement: unnest arrays have no bind-parameter limit, this only bounds memory. */
export const CHUNK = 10_000;

export function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Maps with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));
export const errorName = (error: unknown): string | undefined => (error instanceof Error ? error.name : undefined);
