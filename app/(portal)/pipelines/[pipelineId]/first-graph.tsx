/**
 * The pipeline page's metric graph, first view read on the server. The page starts readFirstGraph and waits
 * for it a short budget: series read in time are rendered in the shell itself; slower ones are rendered by
 * FirstMetricGraph inside a Suspense boundary, so the shell (header, runs) goes out at once and the graph's
 * HTML — the client island rendered on the server, the same SVG it draws after hydration — follows in the same
 * response. The island gets the data as props and seeds its TanStack Query keys with them: no request for the
 * first view.
 *
 * The reads are the API's (lib/dal → getMetricSeries, with the per-user series cap), with the parameters the
 * island would ask for (components/charts/graph-params.ts) at the width the browser last measured (a cookie) or
 * the layout's default: one statement (two when zoomed, for the overview). The runs travel as columns
 * (packSeries), the overview as only what the brush draws. A read that fails leaves the graph to ask for itself
 * as it did before, where its error is shown in place.
 */
import { unstable_rethrow } from "next/navigation";
import {
  type FirstGraph,
  overviewOf,
  overviewParams,
  packSeries,
  seriesParams,
} from "@/components/charts/graph-params";
import { PipelineEvolution } from "@/components/pipeline/pipeline-evolution";
import { getMetricSeries } from "@/lib/dal/pipelines";
import { logger } from "@/lib/log";
import { MetricSeriesQuery } from "@/lib/pipelines/schema";
import { evolutionView } from "@/lib/pipelines/search-params";

type Pipeline = Parameters<typeof PipelineEvolution>[0]["pipeline"];

export async function readFirstGraph(
  pipeline: Pipeline,
  graph: Record<string, string>,
  width: number,
): Promise<FirstGraph | undefined> {
  const view = evolutionView(graph, pipeline);
  if (pipeline.metricNames.length === 0 || view.metrics.length === 0) return undefined;
  const series = MetricSeriesQuery.safeParse(seriesParams(view, width));
  const overview = MetricSeriesQuery.safeParse(overviewParams(view, width));
  // A range the API would refuse (400) is the island's to report, as it always was.
  if (!series.success || !overview.success) return undefined;
  try {
    const zoomed = view.from !== null || view.to !== null;
    // Not zoomed, the overview is the first metric over the same range: drawn from the graph's own series (at
    // twice the brush's resolution), one read instead of two. Zoomed, it needs the whole range: a read of its own.
    const [main, brush] = await Promise.all([
      getMetricSeries({ pipelineId: pipeline.id, query: series.data }),
      zoomed ? getMetricSeries({ pipelineId: pipeline.id, query: overview.data }) : undefined,
    ]);
    return { width, series: packSeries(main), overview: overviewOf(brush ?? main) };
  } catch (error) {
    unstable_rethrow(error);
    logger.warn({ err: error, pipelineId: pipeline.id }, "first graph not read on the server; the browser asks");
    return undefined;
  }
}

/** The graph once its series are read: rendered where the page put it (streamed in a Suspense boundary). */
export async function FirstMetricGraph({
  pipeline,
  graph,
  first,
}: {
  pipeline: Pipeline;
  graph: Record<string, string>;
  /** readFirstGraph's answer (never rejects); undefined: the island asks for itself. */
  first: Promise<FirstGraph | undefined>;
}) {
  return <PipelineEvolution pipeline={pipeline} graph={graph} first={await first} />;
}
