/** Which run-level metrics the runs table shows as columns: the headline first, then validation metrics. */
export const MAX_METRIC_COLUMNS = 4;

export function chooseMetricColumns(names: readonly string[], headline: string | null): string[] {
  const rank = (name: string) =>
    name === headline ? 0 : name.startsWith("validation:") ? 1 : name.startsWith("train:") ? 3 : 2;
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).slice(0, MAX_METRIC_COLUMNS);
}
