import { RUN_COST_METRIC } from "@/lib/metrics/direction";

/** Which run-level metrics the runs table shows as columns: the headline first, then validation metrics. */
export const MAX_METRIC_COLUMNS = 4;

export function chooseMetricColumns(names: readonly string[], headline: string | null): string[] {
  // The run's cost is a series of the graph, not a column: the run page and the comparison show it.
  const shown = names.filter((name) => name !== RUN_COST_METRIC || name === headline);
  const rank = (name: string) =>
    name === headline ? 0 : name.startsWith("validation:") ? 1 : name.startsWith("train:") ? 3 : 2;
  return shown.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).slice(0, MAX_METRIC_COLUMNS);
}
