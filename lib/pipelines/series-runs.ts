/**
 * The metric series answer lists its runs and regressions as columns (one array per field, see
 * MetricSeries in ./schema): at 100k runs it refers to ~5.6k runs, and as objects their field names were a
 * third of its megabyte. seriesRun reads one run back as an object, for the few places that show one.
 */
import type { RunStatus } from "@/lib/status";
import type { MetricSeries } from "./schema";

export type SeriesRun = { publicId: string; name: string; status: RunStatus; startedAt: number; number: number | null };
export type SeriesRegression = { x: number; y: number; run: number; baseline: number };

/** Run `index` of the answer, or undefined for an index it does not have (-1: a run it did not list). */
export function seriesRun(data: Pick<MetricSeries, "runs">, index: number): SeriesRun | undefined {
  const { runs } = data;
  if (!Number.isInteger(index) || index < 0 || index >= runs.publicId.length) return undefined;
  return {
    publicId: runs.publicId[index] as string,
    name: runs.name[index] ?? "",
    status: runs.status[index] ?? "SUCCEEDED",
    startedAt: runs.startedAt[index] ?? 0,
    number: runs.number?.[index] ?? null,
  };
}
