/**
 * A pipeline's metric-evolution graph as its page and its embed show it: the graph in the view the URL's
 * keys ask for, or why there is none yet.
 */
import { cookies } from "next/headers";
import { MetricEvolution } from "@/components/charts/metric-evolution";
import {
  GRAPH_WIDTH_COOKIE,
  overviewParams,
  seriesParams,
  seriesUrl,
  widthFromCookie,
} from "@/components/charts/series-request";
import { evolutionView } from "@/lib/pipelines/search-params";

type Pipeline = Parameters<typeof evolutionView>[1] & { id: number };

export async function PipelineEvolution({ pipeline, graph }: { pipeline: Pipeline; graph: Record<string, string> }) {
  if (pipeline.metricNames.length === 0) {
    return (
      <div className="empty-state">
        <p>No run of this pipeline has reported metrics yet.</p>
      </div>
    );
  }
  const initial = evolutionView(graph, pipeline);
  // The graph's two requests start with the HTML, not after the page's JavaScript has loaded and measured the
  // graph: at the width the graph last measured (its cookie), the URLs it will ask for (series-request.ts).
  const width = widthFromCookie((await cookies()).get(GRAPH_WIDTH_COOKIE)?.value);
  const preloads =
    width !== null && initial.metrics.length > 0
      ? [seriesParams(initial, width), overviewParams(initial, width)].map((params) => seriesUrl(pipeline.id, params))
      : [];
  return (
    <>
      {/* Link elements in the HTML itself (React hoists them to the head): react-dom's preload() from a server
          component only reaches the RSC payload, which the browser reads once the JavaScript runs. */}
      {preloads.map((href) => (
        <link key={href} rel="preload" as="fetch" href={href} crossOrigin="anonymous" />
      ))}
      <MetricEvolution pipelineId={pipeline.id} metricNames={pipeline.metricNames} initial={initial} />
    </>
  );
}
