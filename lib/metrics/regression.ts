/**
 * When a run's metric counts as a regression: worse than its trailing baseline (the mean of the previous ≤ 10
 * values, kept in run_metric.base_value / base_n by the rollup triggers) by more than the threshold, with at
 * least 3 values behind the baseline. This is the computation of the metric graph's ▼ markers
 * (stepwise_metric_dev in migration 20261130300000_metric_rollups, compared with the graph's default
 * threshold), so an alert, the "last good run" and the marker always agree — lib/changes/queries.test.ts
 * holds the two side by side.
 */
import { metricDirection } from "./direction";

/** The graph's default threshold (MetricSeriesQuery.threshold) and the fewest values a usable baseline has. */
export const REGRESSION_THRESHOLD_PERCENT = 3;
export const MIN_BASELINE_VALUES = 3;

/** How much worse than the baseline (a fraction, positive = worse), or null without a usable baseline. */
export function regressionDepth(metric: {
  name: string;
  value: number;
  baseValue: number | null;
  baseN: number;
}): number | null {
  const { value, baseValue, baseN } = metric;
  if (baseValue === null || baseN < MIN_BASELINE_VALUES || baseValue === 0) return null;
  const dev = (baseValue - value) / Math.abs(baseValue);
  return metricDirection(metric.name) === "higher" ? dev : -dev;
}

export function isRegression(
  metric: { name: string; value: number; baseValue: number | null; baseN: number },
  thresholdPercent = REGRESSION_THRESHOLD_PERCENT,
): boolean {
  const depth = regressionDepth(metric);
  return depth !== null && depth > thresholdPercent / 100;
}
