/**
 * Per-epoch training metrics, served the way SageMaker publishes them: CloudWatch namespace
 * `/aws/sagemaker/TrainingJobs`, metric name = MetricDefinitions name, dimension `Host` =
 * `<training-job-name>/algo-1`. @aws-sdk/client-cloudwatch 3.11xx speaks awsJson1_0 with the
 * `GraniteServiceVersion20100801` target (query-compatible errors), so that is what we serve:
 * GetMetricData (MetricStat queries, Period bucketing, ScanBy, MaxDatapoints + NextToken) and
 * ListMetrics. Expressions (metric math) are not supported and return `StatusCode: InternalError`.
 *
 * Retention as the reference states it (MetricStat, Period): the points are stored at 1-second resolution
 * (SageMaker's training metrics are), but a window whose StartTime is more than 3 hours before the account's
 * present is answered only at a multiple of 60 s, more than 15 days at 300 s, more than 63 days at 3600 s; a
 * finer Period gets its query answered with no datapoints.
 */
import { AwsError, isObject, type JsonObject } from "./util";

export const TRAINING_NAMESPACE = "/aws/sagemaker/TrainingJobs";

export interface Point {
  t: number;
  v: number;
}

export interface MetricsStore {
  /** key: `${namespace}|${metricName}|${dimName}=${dimValue}` */
  series: Map<string, { namespace: string; metricName: string; dimensions: [string, string][]; points: Point[] }>;
  /** The account's present (epoch ms), which the age of a requested window is measured from. */
  present: () => number;
}

export const newMetricsStore = (present: () => number = Date.now): MetricsStore => ({ series: new Map(), present });

const HOUR_MS = 3_600_000;
/** Oldest first: a window starting more than `olderThan` ago is answered only at a multiple of `multiple` seconds. */
const RETENTION: readonly { olderThan: number; multiple: number }[] = [
  { olderThan: 63 * 24 * HOUR_MS, multiple: 3600 },
  { olderThan: 15 * 24 * HOUR_MS, multiple: 300 },
  { olderThan: 3 * HOUR_MS, multiple: 60 },
];

/** Whether CloudWatch still holds datapoints at `period` for a window starting at `start`. */
function retained(period: number, start: number, present: number): boolean {
  const step = RETENTION.find((r) => present - start > r.olderThan);
  return !step || period % step.multiple === 0;
}

const keyOf = (ns: string, name: string, dims: [string, string][]) =>
  `${ns}|${name}|${[...dims]
    .sort()
    .map(([k, v]) => `${k}=${v}`)
    .join(",")}`;

export function putTrainingPoint(store: MetricsStore, jobName: string, metricName: string, point: Point): void {
  const dimensions: [string, string][] = [["Host", `${jobName}/algo-1`]];
  const key = keyOf(TRAINING_NAMESPACE, metricName, dimensions);
  let s = store.series.get(key);
  if (!s) {
    s = { namespace: TRAINING_NAMESPACE, metricName, dimensions, points: [] };
    store.series.set(key, s);
  }
  s.points.push(point);
}

function readDims(v: unknown): [string, string][] {
  if (!Array.isArray(v)) return [];
  return v.filter(isObject).map((d) => [String(d.Name ?? ""), String(d.Value ?? "")] as [string, string]);
}

function timeArg(v: unknown, field: string): number {
  if (typeof v === "number") return v * 1000;
  if (typeof v === "string" && !Number.isNaN(Date.parse(v))) return Date.parse(v);
  throw new AwsError("ValidationException", `The parameter ${field} is required.`);
}

type Stat = "Average" | "Minimum" | "Maximum" | "Sum" | "SampleCount";
const aggregate = (vs: number[], stat: Stat): number => {
  switch (stat) {
    case "Minimum":
      return Math.min(...vs);
    case "Maximum":
      return Math.max(...vs);
    case "Sum":
      return vs.reduce((a, b) => a + b, 0);
    case "SampleCount":
      return vs.length;
    default:
      return vs.reduce((a, b) => a + b, 0) / vs.length;
  }
};

export function cloudWatchOp(store: MetricsStore, op: string, body: JsonObject): JsonObject {
  switch (op) {
    case "GetMetricData":
      return getMetricData(store, body);
    case "ListMetrics":
      return listMetrics(store, body);
    default:
      throw new AwsError("UnknownOperationException", `Operation ${op} is not supported by this emulator`);
  }
}

function getMetricData(store: MetricsStore, body: JsonObject): JsonObject {
  const start = timeArg(body.StartTime, "StartTime");
  const end = timeArg(body.EndTime, "EndTime");
  const queries = Array.isArray(body.MetricDataQueries) ? body.MetricDataQueries.filter(isObject) : [];
  if (queries.length === 0) throw new AwsError("ValidationException", "The parameter MetricDataQueries is required.");
  if (queries.length > 500) throw new AwsError("ValidationException", "MetricDataQueries may not exceed 500 items.");
  const descending = body.ScanBy !== "TimestampAscending";
  const maxDatapoints = typeof body.MaxDatapoints === "number" ? body.MaxDatapoints : 100_800;
  // NextToken = number of datapoints already returned across the (stable) concatenation of results.
  let skip = 0;
  if (typeof body.NextToken === "string") {
    skip = Number(Buffer.from(body.NextToken, "base64url").toString());
    if (!Number.isInteger(skip) || skip < 0)
      throw new AwsError("InvalidNextToken", "The service couldn't process the NextToken.");
  }
  let budget = maxDatapoints;
  let seen = 0;
  const results: JsonObject[] = [];
  for (const q of queries) {
    const id = String(q.Id ?? "");
    const ms = isObject(q.MetricStat) ? q.MetricStat : undefined;
    const metric = ms && isObject(ms.Metric) ? ms.Metric : undefined;
    if (!ms || !metric) {
      results.push({
        Id: id,
        Label: String(q.Label ?? id),
        Timestamps: [],
        Values: [],
        StatusCode: "InternalError",
        Messages: [{ Code: "Unsupported", Value: "Only MetricStat queries are emulated" }],
      });
      continue;
    }
    const period = typeof ms.Period === "number" && ms.Period > 0 ? ms.Period : 60;
    const stat = (typeof ms.Stat === "string" ? ms.Stat : "Average") as Stat;
    if (!retained(period, start, store.present())) {
      results.push({
        Id: id,
        Label: String(q.Label ?? metric.MetricName ?? id),
        Timestamps: [],
        Values: [],
        StatusCode: "Complete",
        Messages: [],
      });
      continue;
    }
    const s = store.series.get(
      keyOf(String(metric.Namespace ?? ""), String(metric.MetricName ?? ""), readDims(metric.Dimensions)),
    );
    const buckets = new Map<number, number[]>();
    for (const p of s?.points ?? []) {
      if (p.t < start || p.t >= end) continue;
      const b = Math.floor(p.t / 1000 / period) * period;
      const list = buckets.get(b) ?? [];
      list.push(p.v);
      buckets.set(b, list);
    }
    const rows = [...buckets.entries()]
      .map(([t, vs]) => [t, aggregate(vs, stat)] as const)
      .sort((a, b) => (descending ? b[0] - a[0] : a[0] - b[0]));
    const from = Math.max(0, Math.min(rows.length, skip - seen));
    const take = rows.slice(from, from + budget);
    seen += rows.length;
    budget -= take.length;
    results.push({
      Id: id,
      Label: String(q.Label ?? metric.MetricName ?? id),
      Timestamps: take.map(([t]) => t),
      Values: take.map(([, v]) => v),
      StatusCode: from + take.length < rows.length ? "PartialData" : "Complete",
      Messages: [],
    });
  }
  const returned = results.reduce((n, r) => n + (Array.isArray(r.Timestamps) ? r.Timestamps.length : 0), 0);
  const out: JsonObject = { MetricDataResults: results, Messages: [] };
  if (skip + returned < seen) out.NextToken = Buffer.from(String(skip + returned)).toString("base64url");
  return out;
}

function listMetrics(store: MetricsStore, body: JsonObject): JsonObject {
  const ns = typeof body.Namespace === "string" ? body.Namespace : undefined;
  const name = typeof body.MetricName === "string" ? body.MetricName : undefined;
  const dims = readDims(body.Dimensions);
  const all = [...store.series.values()].filter(
    (s) =>
      (!ns || s.namespace === ns) &&
      (!name || s.metricName === name) &&
      dims.every(([k, v]) => s.dimensions.some(([dk, dv]) => dk === k && (v === "" || dv === v))),
  );
  const offset = typeof body.NextToken === "string" ? Number(Buffer.from(body.NextToken, "base64url").toString()) : 0;
  if (!Number.isInteger(offset) || offset < 0)
    throw new AwsError("InvalidNextToken", "The service couldn't process the NextToken.");
  const page = all.slice(offset, offset + 500);
  const out: JsonObject = {
    Metrics: page.map((s) => ({
      Namespace: s.namespace,
      MetricName: s.metricName,
      Dimensions: s.dimensions.map(([Name, Value]) => ({ Name, Value })),
    })),
  };
  if (offset + 500 < all.length) out.NextToken = Buffer.from(String(offset + 500)).toString("base64url");
  return out;
}
