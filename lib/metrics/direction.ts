/**
 * Which way a metric is better, from its name. SageMaker metric definitions carry no direction, so
 * Stepwise infers it: losses, errors, costs and latencies are better lower, everything else
 * (accuracy, AUC, NDCG, recall…) higher. Used by regression detection and by the delta colours.
 */
export type Direction = "higher" | "lower";

/**
 * The reserved run-level metric the sync writes for a run's approximate cost in USD once its SageMaker jobs
 * have settled (lib/sync/sagemaker/write-jobs.ts), so the metric-evolution graph serves "cost per run" from the
 * same pre-aggregated rollups as every other metric. A job's own metric of this name is never taken as it.
 */
export const RUN_COST_METRIC = "stepwise:run_cost_usd";

/** What the graph's metric picker and legends call a metric: the reserved cost metric gets words. */
export function metricLabel(name: string): string {
  return name === RUN_COST_METRIC ? "Cost per run (USD, approx.)" : name;
}

/** The short form where space is tight (the model page's version list): the name after its last ":". */
export function shortMetricLabel(name: string): string {
  return name === RUN_COST_METRIC ? metricLabel(name) : (name.split(":").pop() ?? name);
}

const LOWER_IS_BETTER =
  /(loss|error|err\b|rmse|mse|mae|mape|wape|smape|perplexity|logloss|latency|duration|cost|brier|bias_abs|regret)/i;

export function metricDirection(name: string): Direction {
  if (name === RUN_COST_METRIC) return "lower";
  const base = name.includes(":") ? name.slice(name.lastIndexOf(":") + 1) : name;
  return LOWER_IS_BETTER.test(base) ? "lower" : "higher";
}

/** Relative change of `value` against `reference`, signed so that positive means better. */
export function improvement(value: number, reference: number, direction: Direction): number | null {
  if (!Number.isFinite(value) || !Number.isFinite(reference) || reference === 0) return null;
  const change = (value - reference) / Math.abs(reference);
  return direction === "higher" ? change : -change;
}
