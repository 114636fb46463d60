/**
 * Per-epoch training metrics from CloudWatch, where SageMaker publishes them: namespace
 * `/aws/sagemaker/TrainingJobs`, metric name = the MetricDefinitions name, dimension
 * Host=<job>/algo-1. One GetMetricData call asks for every metric of the job (Period 1, so each
 * logged epoch is its own datapoint), paged by NextToken. The epoch index of a point is its rank in
 * timestamp order, which is stable while a running job appends epochs.
 */
import { GetMetricDataCommand, type MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import type { SyncContext } from "../context";
import type { JobSnapshot } from "./describe-job";

export const TRAINING_NAMESPACE = "/aws/sagemaker/TrainingJobs";
/** GetMetricData accepts at most 500 queries per request. */
const MAX_QUERIES = 500;

export type SeriesPoint = { name: string; step: number; value: number; timestamp: Date };

export async function fetchTrainingSeries(ctx: SyncContext, job: JobSnapshot): Promise<SeriesPoint[]> {
  if (job.kind !== "TRAINING" || job.seriesNames.length === 0) return [];
  // CloudWatch buckets by Period from StartTime; widen the window so the first and last epochs are inside.
  const from = job.jobCreatedAt ?? job.startedAt;
  if (!from) return [];
  const start = new Date(Math.floor(from.getTime() / 1000) * 1000 - 60_000);
  const end = new Date((job.endedAt?.getTime() ?? Date.now()) + 60_000);
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
        Period: 1,
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
  return points;
}
