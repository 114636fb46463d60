/**
 * The emulator's CloudWatch against the retention the API reference states (MetricStat, Period): datapoints
 * stored at 1-second resolution are answered at Period 1 while the window starts less than 3 hours before the
 * present, then only at multiples of 60 s (to 15 days), 300 s (to 63 days) and 3600 s; a finer Period gets the
 * query answered with no datapoints. Buckets hold the Average of their points.
 */
import { describe, expect, it } from "vitest";
import { cloudWatchOp, newMetricsStore, putTrainingPoint, TRAINING_NAMESPACE } from "./metrics";

const PRESENT = Date.UTC(2026, 10, 30, 12, 0, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** One point per 20 s for 30 minutes, from `start`: 0, 1, 2, … */
function storeWithJob(start: number) {
  const store = newMetricsStore(() => PRESENT);
  for (let i = 0; i < 90; i++) putTrainingPoint(store, "job", "train:loss", { t: start + i * 20_000, v: i });
  return store;
}

function ask(store: ReturnType<typeof newMetricsStore>, start: number, period: number) {
  const answer = cloudWatchOp(store, "GetMetricData", {
    StartTime: start / 1000,
    EndTime: (start + HOUR) / 1000,
    ScanBy: "TimestampAscending",
    MetricDataQueries: [
      {
        Id: "m0",
        MetricStat: {
          Metric: {
            Namespace: TRAINING_NAMESPACE,
            MetricName: "train:loss",
            Dimensions: [{ Name: "Host", Value: "job/algo-1" }],
          },
          Period: period,
          Stat: "Average",
        },
      },
    ],
  });
  const [result] = answer.MetricDataResults as { Values: number[]; StatusCode: string }[];
  return result;
}

describe("GetMetricData retention", () => {
  it("answers every point at Period 1 while the window is younger than 3 hours", () => {
    const start = PRESENT - 2 * HOUR;
    expect(ask(storeWithJob(start), start, 1)?.Values).toEqual(Array.from({ length: 90 }, (_, i) => i));
  });

  it("answers an older window only at the multiple its age allows, each bucket the mean of its points", () => {
    for (const [age, finest, finer] of [
      [5 * HOUR, 60, 30],
      [20 * DAY, 300, 60],
      [90 * DAY, 3600, 300],
    ] as const) {
      const start = Math.floor((PRESENT - age) / HOUR) * HOUR;
      const store = storeWithJob(start);
      expect(ask(store, start, finer)).toMatchObject({ Values: [], StatusCode: "Complete" });
      const per = finest / 20;
      const buckets = Math.ceil(90 / per);
      expect(ask(store, start, finest)?.Values).toEqual(
        Array.from({ length: buckets }, (_, b) => {
          const inBucket = Array.from({ length: per }, (_, k) => b * per + k).filter((i) => i < 90);
          return inBucket.reduce((a, v) => a + v, 0) / inBucket.length;
        }),
      );
    }
  });
});
