/**
 * Per-epoch training metrics from CloudWatch, where SageMaker publishes them: namespace
 * `/aws/sagemaker/TrainingJobs`, metric name = the MetricDefinitions name, dimension
 * Host=<job>/algo-1. One GetMetricData call asks for every metric of the job, paged by NextToken.
 *
 * The Period is the finest CloudWatch still answers for the window's start (`periodFor`): SageMaker
 * publishes at 1-second resolution, so a job younger than 3 hours gets one datapoint per logged epoch,
 * and an older one (a long job, a history import, a retry after backoff) gets 1-minute, 5-minute or
 * 1-hour buckets. Asking Period 1 for an older window is answered with no datapoints at all (MetricStat
 * in the CloudWatch API reference), which once left every job fetched late without a curve.
 *
 * The step of a point is its rank in timestamp order (an epoch at 1-second resolution, a bucket above
 * it), stable while a running job appends epochs. Each fetch covers the job from its start, so its
 * answer replaces the series stored before: when a job outlives 3 hours, its minute buckets replace
 * the finer points of earlier fetches instead of overwriting the first ranks only (write-points.ts).
 */
import { GetMetricDataCommand, type MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import type { SyncContext } from "../context";
import type { JobSnapshot } from "./describe-job";

export const TRAINING_NAMESPACE = "/aws/sagemaker/TrainingJobs";
/** GetMetricData accepts at most 500 queries per request. */
const MAX_QUERIES = 500;

export type SeriesPoint = { name: string; step: number; value: number; timestamp: Date };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** How long before a retention boundary a request already asks the next coarser Period (clock skew, paging). */
const MARGIN = 10 * 60_000;
/** CloudWatch's retention steps (MetricStat.Period): data older than `age` is answered only at `period` or coarser. */
const RESOLUTIONS: readonly { age: number; period: number }[] = [
  { age: 3 * HOUR, period: 1 },
  { age: 15 * DAY, period: 60 },
  { age: 63 * DAY, period: 300 },
];

/** The finest Period CloudWatch answers with datapoints for a window starting at `start`, asked at `now`. */
export function periodFor(start: Date, now: Date): number {
  const age = now.getTime() - start.getTime();
  return RESOLUTIONS.find((r) => age < r.age - MARGIN)?.period ?? 3600;
}

/** A job's series as one fetch read it, and the Period (seconds) its points are buckets of. */
export type FetchedSeries = { period: number; points: SeriesPoint[] };

export async function fetchTrainingSeries(ctx: SyncContext, job: JobSnapshot): Promise<FetchedSeries> {
  // CloudWatch buckets by Period from StartTime; widen the window so the first and last epochs are inside.
  const from = job.jobCreatedAt ?? job.startedAt;
  const now = ctx.now?.() ?? new Date();
  const start = new Date(Math.floor((from?.getTime() ?? now.getTime()) / 1000) * 1000 - 60_000);
  const period = periodFor(start, now);
  if (job.kind !== "TRAINING" || job.seriesNames.length === 0 || !from) return { period, points: [] };
  const end = new Date((job.endedAt?.getTime() ?? now.getTime()) + 60_000);
  const byName = new Map<string, { t: number; v: number }[]>();
  for (let i = 0; i < job.seriesNames.length; i += MAX_QUERIES) {
    const names = job.seriesNames.slice(i, i + MAX_QUERIES);
    const queries: MetricDataQuery[] = names.map((name, k) => ({
      Id: `m${k}`,
      Label: name,
      ReturnData: true,
      MetricStat: {
        Metric: {
          Namespace: TRAINING_NAMESPACE,
          MetricName: name,
          Dimensions: [{ Name: "Host", Value: `${job.name}/algo-1` }],
        },
        Period: period,
        Stat: "Average",
      },
    }));
    let nextToken: string | undefined;
    do {
      const page = await ctx.clients.cloudwatch.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries,
          StartTime: start,
          EndTime: end,
          ScanBy: "TimestampAscending",
          NextToken: nextToken,
        }),
        { abortSignal: ctx.signal },
      );
      for (const result of page.MetricDataResults ?? []) {
        const index = Number(result.Id?.slice(1));
        const name = names[index];
        if (name === undefined) continue;
        if (result.StatusCode === "InternalError" || result.StatusCode === "Forbidden") {
          ctx.log.warn("sagemaker: metric series unavailable", {
            job: job.name,
            metric: name,
            status: result.StatusCode,
          });
          continue;
        }
        const list = byName.get(name) ?? [];
        const timestamps = result.Timestamps ?? [];
        const values = result.Values ?? [];
        for (let k = 0; k < Math.min(timestamps.length, values.length); k++) {
          const t = timestamps[k]?.getTime();
          const v = values[k];
          if (t === undefined || Number.isNaN(t) || v === undefined || !Number.isFinite(v)) continue;
          list.push({ t, v });
        }
        byName.set(name, list);
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }
  const points: SeriesPoint[] = [];
  for (const [name, list] of byName) {
    // Pages may overlap on a bucket boundary: keep one value per timestamp, in timestamp order.
    const unique = new Map<number, number>();
    for (const p of list) unique.set(p.t, p.v);
    [...unique.entries()]
      .sort((a, b) => a[0] - b[0])
      .forEach(([t, v], step) => {
        points.push({ name, step, value: v, timestamp: new Date(t) });
      });
  }
  return { period, points };
}
