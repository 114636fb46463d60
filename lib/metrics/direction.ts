/**
 * Which way a metric is better, from its name. SageMaker metric definitions carry no direction, so
 * Stepwise infers it: losses, errors, costs and latencies are better lower, everything else
 * (accuracy, AUC, NDCG, recall…) higher. Used by regression detection and by the delta colours.
 */
export type Direction = "higher" | "lower";

const LOWER_IS_BETTER =
  /(loss|error|err\b|rmse|mse|mae|mape|wape|smape|perplexity|logloss|latency|duration|cost|brier|bias_abs|regret)/i;

export function metricDirection(name: string): Direction {
  const base = name.includes(":") ? name.slice(name.lastIndexOf(":") + 1) : name;
  return LOWER_IS_BETTER.test(base) ? "lower" : "higher";
}

/** Relative change of `value` against `reference`, signed so that positive means better. */
export function improvement(value: number, reference: number, direction: Direction): number | null {
  if (!Number.isFinite(value) || !Number.isFinite(reference) || reference === 0) return null;
  const change = (value - reference) / Math.abs(reference);
  return direction === "higher" ? change : -change;
}
