import type { Metadata } from "next";
import { cookies, headers } from "next/headers";
import { notFound } from "next/navigation";
import { Suspense } from "react";
import { GRAPH_WIDTH_COOKIE, widthHint } from "@/components/charts/graph-params";
import { MetricEvolutionLoading } from "@/components/charts/metric-evolution-loading";
import { DeferredSavedViews, DeferredTrainingCurves } from "@/components/pipeline/deferred";
import { PipelineEvolution } from "@/components/pipeline/pipeline-evolution";
import { PipelineHeader } from "@/components/pipeline/pipeline-header";
import { RunsTable } from "@/components/pipeline/runs-table";
import { CompareBar, SelectionProvider } from "@/components/pipeline/selection";
import { requirePrincipal } from "@/lib/auth/current";
import { getPipelinePage } from "@/lib/dal/pipelines";
import { isAppError } from "@/lib/errors";
import { CompareSelection, PipelineIdParams, RunListQuery } from "@/lib/pipelines/schema";
import { EVOLUTION_KEYS, evolutionView, searchParamsRecord } from "@/lib/pipelines/search-params";
import { FirstMetricGraph, readFirstGraph } from "./first-graph";

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

/**
 * A navigation inside this page (the runs table's pager and filters are client navigations to the same page):
 * the graph already in the browser stays as it is, so its series are not read again for it.
 */
async function withinThisPage(pipelineId: number): Promise<boolean> {
  const request = await headers();
  if (request.get("accept")?.includes("text/html")) return false;
  const referer = request.get("referer");
  if (!referer) return false;
  try {
    return new URL(referer).pathname === `/pipelines/${pipelineId}`;
  } catch {
    return false;
  }
}

/**
 * How long the shell waits for the graph's series. React reveals a boundary that completes after the shell at
 * the earliest 300 ms after the shell's first frame (its reveal throttle, react-dom/server `$RC`), so series
 * read within this budget are sent in the shell itself (graph painted with the header); slower ones stream.
 */
const INLINE_GRAPH_BUDGET_MS = 150;

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
  const { pipeline, runs } = data;
  const width = widthHint((await cookies()).get(GRAPH_WIDTH_COOKIE)?.value);
  const readGraph = !(await withinThisPage(pipeline.id));
  const first = readGraph ? readFirstGraph(pipeline, graph, width) : Promise.resolve(undefined);
  const early = await Promise.race([
    first.then((value) => ({ value })),
    new Promise<null>((resolve) => setTimeout(resolve, INLINE_GRAPH_BUDGET_MS, null)),
  ]);
  const view = evolutionView(graph, pipeline);

  return (
    <SelectionProvider initial={CompareSelection.parse(graph.sel)}>
      <PipelineHeader pipeline={pipeline} />

      <section aria-labelledby="evolution" style={{ marginTop: 16 }}>
        <h2 id="evolution">Metric evolution</h2>
        {/* Series read in time: the graph is in the shell; else the shell goes out and the graph's HTML streams
            in when they are read (first-graph.tsx). The same boundary either way, so a navigation keeps the graph. */}
        <Suspense fallback={<MetricEvolutionLoading series={view.metrics.length} scale={view.scale} />}>
          {early ? (
            <PipelineEvolution pipeline={pipeline} graph={graph} first={early.value} />
          ) : (
            <FirstMetricGraph pipeline={pipeline} graph={graph} first={first} />
          )}
        </Suspense>
      </section>

      {/* Loaded after hydration (components/pipeline/deferred.tsx): nothing below the graph delays it. */}
      <section aria-labelledby="curves" style={{ marginTop: 16 }}>
        <h2 id="curves">Training curves</h2>
        <DeferredTrainingCurves pipelineId={pipeline.id} initialMetric={pipeline.headlineMetric} />
      </section>

      {/* Below the graphs, so the metric graph is the first thing under the header (saved views are revisited,
          the graph is read every time). */}
      <DeferredSavedViews pipelineId={pipeline.id} />

      <section aria-labelledby="runs" style={{ marginTop: 16 }}>
        <h2 id="runs">Runs</h2>
        {runQuery.success || invalidSearch ? null : (
          <p role="alert" className="muted">
            Some run filters were not understood and were ignored.
          </p>
        )}
        {/* Its own boundary: hydrated on its own, not in one pass with the graph above. */}
        <Suspense>
          <RunsTable
            pipelineId={pipeline.id}
            params={runQuery.success ? stripUndefined(shownParams) : {}}
            invalidSearch={invalidSearch}
            initial={runs}
            serverNow={Date.now()}
          />
          <CompareBar pipelineId={pipeline.id} />
        </Suspense>
      </section>
    </SelectionProvider>
  );
}
