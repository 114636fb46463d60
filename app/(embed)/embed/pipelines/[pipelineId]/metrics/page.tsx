/** /embed/pipelines/<id>/metrics: the metric-evolution graph alone, with the same query as the pipeline page. */
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { PipelineEvolution } from "@/components/pipeline/pipeline-evolution";
import { SelectionProvider } from "@/components/pipeline/selection";
import { requirePrincipal } from "@/lib/auth/current";
import { getPipeline } from "@/lib/dal/pipelines";
import { isAppError } from "@/lib/errors";
import { PipelineIdParams } from "@/lib/pipelines/schema";
import { EVOLUTION_KEYS, searchParamsRecord } from "@/lib/pipelines/search-params";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ pipelineId: string }>; searchParams: Promise<Record<string, string | string[]>> };

export async function generateMetadata(): Promise<Metadata> {
  await requirePrincipal();
  return { title: "Metric evolution · Stepwise", robots: { index: false } };
}

export default async function EmbeddedMetricsPage({ params, searchParams }: Props) {
  const id = PipelineIdParams.safeParse(await params);
  if (!id.success) notFound();
  let pipeline: Awaited<ReturnType<typeof getPipeline>>;
  try {
    pipeline = await getPipeline({ pipelineId: id.data.pipelineId });
  } catch (error) {
    if (isAppError(error) && error.code === "not_found") notFound();
    throw error;
  }
  const graph = searchParamsRecord(await searchParams, EVOLUTION_KEYS);
  return (
    // The graph's points can be picked for comparison; the embed offers no comparison bar, so nothing is picked.
    <SelectionProvider initial={[]}>
      <section aria-labelledby="evolution">
        <h1 id="evolution" className="embed-title">
          {pipeline.name} · metric evolution
        </h1>
        <PipelineEvolution pipeline={pipeline} graph={graph} />
      </section>
    </SelectionProvider>
  );
}
