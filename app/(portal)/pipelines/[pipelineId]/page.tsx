import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { TrainingCurves } from "@/components/charts/training-curves";
import { PipelineEvolution } from "@/components/pipeline/pipeline-evolution";
import { PipelineHeader } from "@/components/pipeline/pipeline-header";
import { RunsTable } from "@/components/pipeline/runs-table";
import { SavedViews } from "@/components/pipeline/saved-views";
import { CompareBar, SelectionProvider } from "@/components/pipeline/selection";
import { requirePrincipal } from "@/lib/auth/current";
import { getPipelinePage } from "@/lib/dal/pipelines";
import { isAppError } from "@/lib/errors";
import { CompareSelection, PipelineIdParams, RunListQuery } from "@/lib/pipelines/schema";
import { EVOLUTION_KEYS, searchParamsRecord } from "@/lib/pipelines/search-params";

export const dynamic = "force-dynamic";

type Props = {
  params: Promise<{ pipelineId: string }>;
  searchParams: Promise<Record<string, string | string[]>>;
};

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  await requirePrincipal();
  return { title: `Pipeline ${(await params).pipelineId}` };
}

const RUN_KEYS = ["status", "q", "from", "to", "sort", "cursor", "limit"];

const stripUndefined = (record: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(record).filter((e): e is [string, string] => e[1] !== undefined));

export default async function PipelinePage({ params, searchParams }: Props) {
  const id = PipelineIdParams.safeParse(await params);
  if (!id.success) notFound();
  const search = await searchParams;
  const runParams = searchParamsRecord(search, RUN_KEYS);
  let runQuery = RunListQuery.safeParse(runParams);
  // A search that does not parse is said where it was typed (with the position) and the other filters still apply.
  const searchIssue = runQuery.success ? undefined : runQuery.error.issues.find((issue) => issue.path[0] === "q");
  const invalidSearch = searchIssue && runParams.q ? { q: runParams.q, message: searchIssue.message } : null;
  if (invalidSearch) {
    const { q: _ignored, ...rest } = runParams;
    runQuery = RunListQuery.safeParse(rest);
  }
  const shownParams = invalidSearch && runQuery.success ? { ...runParams, q: undefined } : runParams;
  const graph = searchParamsRecord(search, [...EVOLUTION_KEYS, "sel"]);

  let data: Awaited<ReturnType<typeof getPipelinePage>>;
  try {
    data = await getPipelinePage({
      pipelineId: id.data.pipelineId,
      runs: runQuery.success ? runQuery.data : RunListQuery.parse({}),
    });
  } catch (error) {
    if (isAppError(error) && (error.code === "not_found" || error.code === "bad_request")) notFound();
    throw error;
  }
  const { pipeline, runs, liveEventId } = data;

  return (
    <SelectionProvider initial={CompareSelection.parse(graph.sel)}>
      <PipelineHeader pipeline={pipeline} />

      <section aria-labelledby="evolution" style={{ marginTop: 16 }}>
        <h2 id="evolution">Metric evolution</h2>
        <PipelineEvolution pipeline={pipeline} graph={graph} />
      </section>

      <section aria-labelledby="curves" style={{ marginTop: 16 }}>
        <h2 id="curves">Training curves</h2>
        <TrainingCurves pipelineId={pipeline.id} initialMetric={pipeline.headlineMetric} />
      </section>

      {/* Below the graphs, so the metric graph is the first thing under the header (saved views are revisited,
          the graph is read every time). */}
      <SavedViews pipelineId={pipeline.id} />

      <section aria-labelledby="runs" style={{ marginTop: 16 }}>
        <h2 id="runs">Runs</h2>
        {runQuery.success || invalidSearch ? null : (
          <p role="alert" className="muted">
            Some run filters were not understood and were ignored.
          </p>
        )}
        <RunsTable
          pipelineId={pipeline.id}
          params={runQuery.success ? stripUndefined(shownParams) : {}}
          invalidSearch={invalidSearch}
          initial={runs}
          liveEventId={liveEventId}
          serverNow={Date.now()}
        />
        <CompareBar pipelineId={pipeline.id} />
      </section>
    </SelectionProvider>
  );
}
