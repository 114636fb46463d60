/** Next's searchParams (string | string[]) reduced to the known keys' first values, for zod and for links. */
export function searchParamsRecord(
  searchParams: Record<string, string | string[] | undefined>,
  keys: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) {
    const value = searchParams[key];
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined && first !== "") out[key] = first;
  }
  return out;
}

/** The URL keys of the metric-evolution graph's view (metrics, axis, scale, zoom, threshold). */
export const EVOLUTION_KEYS = ["m", "x", "scale", "gfrom", "gto", "th"] as const;

/**
 * The metric-evolution graph's first view from those keys, shared by the pipeline page and its embed:
 * unknown metrics dropped (default: the first metric column), threshold kept within 0.1–100 % (default 3).
 */
export function evolutionView(
  graph: Record<string, string>,
  pipeline: { metricNames: string[]; metricColumns: string[] },
) {
  const metrics = (graph.m?.split(",") ?? []).filter((m) => pipeline.metricNames.includes(m));
  const threshold = Number(graph.th);
  return {
    metrics: metrics.length ? metrics : pipeline.metricColumns.slice(0, 1),
    x: graph.x === "number" ? ("number" as const) : ("time" as const),
    scale: graph.scale === "normalised" ? ("normalised" as const) : ("split" as const),
    from: graph.gfrom ?? null,
    to: graph.gto ?? null,
    threshold: Number.isFinite(threshold) && threshold >= 0.1 && threshold <= 100 ? threshold : 3,
  };
}
