/**
 * A pipeline's metric-evolution graph as its page and its embed show it: the graph in the view the URL's
 * keys ask for, or why there is none yet.
 */
import { MetricEvolution } from "@/components/charts/metric-evolution";
import { evolutionView } from "@/lib/pipelines/search-params";

type Pipeline = Parameters<typeof evolutionView>[1] & { id: number };

export function PipelineEvolution({ pipeline, graph }: { pipeline: Pipeline; graph: Record<string, string> }) {
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
    />
  );
}
