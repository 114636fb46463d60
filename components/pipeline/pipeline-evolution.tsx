/**
 * A pipeline's metric-evolution graph as its page and its embed show it: the graph in the view the URL's
 * keys ask for, or why there is none yet. `first`: the view's series already read on the server (the
 * pipeline page streams them in), so the graph is in the HTML and hydrates without asking again.
 */
import type { FirstGraph } from "@/components/charts/graph-params";
import { MetricEvolution } from "@/components/charts/metric-evolution";
import { evolutionView } from "@/lib/pipelines/search-params";

type Pipeline = Parameters<typeof evolutionView>[1] & { id: number };

export function PipelineEvolution({
  pipeline,
  graph,
  first,
}: {
  pipeline: Pipeline;
  graph: Record<string, string>;
  first?: FirstGraph;
}) {
  if (pipeline.metricNames.length === 0) {
    return (
      <div className="empty-state">
        <p>No run of this pipeline has reported metrics yet.</p>
      </div>
    );
  }
  return (
    <MetricEvolution
      pipelineId={pipeline.id}
      metricNames={pipeline.metricNames}
      initial={evolutionView(graph, pipeline)}
      first={first}
    />
  );
}
