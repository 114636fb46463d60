"use client";
/**
 * One TanStack Query hook per pipelines endpoint. Keys come from lib/query-keys (pipelineKeys), so a
 * live message on "pipelines" / "pipeline:<id>" invalidates exactly these queries and they refetch.
 */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { type OverviewSeries, overviewOf } from "@/components/charts/graph-params";
import { fetchJson, queryString as qs } from "@/components/ui/fetch-json";
import type { MetricSeries, PipelinePage, RunPage, TrainingCurves } from "@/lib/pipelines/schema";
import { pipelineKeys } from "@/lib/query-keys";

export type Params = Record<string, string>;

export function usePipelines(params: Params, initialData: PipelinePage) {
  return useQuery({
    queryKey: pipelineKeys.list(params),
    queryFn: ({ signal }) => fetchJson<PipelinePage>(`/api/v1/pipelines${qs(params)}`, signal),
    initialData,
    staleTime: 60_000,
  });
}

export function useRuns(pipelineId: number, params: Params, initialData: RunPage) {
  return useQuery({
    queryKey: pipelineKeys.runs(pipelineId, params),
    queryFn: ({ signal }) => fetchJson<RunPage>(`/api/v1/pipelines/${pipelineId}/runs${qs(params)}`, signal),
    initialData,
    staleTime: 60_000,
  });
}

/**
 * `initialData`: the pipeline page's server read of the first view (components/charts/graph-params.ts builds
 * the same params on both sides), so the first view makes no request; later views fetch.
 */
export function useMetricSeries(pipelineId: number, params: Params, enabled: boolean, initialData?: MetricSeries) {
  return useQuery({
    queryKey: pipelineKeys.metrics(pipelineId, params),
    queryFn: async ({ signal }) => {
      const data = await fetchJson<MetricSeries>(`/api/v1/pipelines/${pipelineId}/metrics${qs(params)}`, signal);
      // The bench (bench/modules/metric-graph.ts) measures first render from here to the plot's commit.
      markSeriesData();
      return data;
    },
    initialData,
    enabled,
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  });
}

/** The brush's overview: the same endpoint, kept as only what the brush draws (its own key). */
export function useMetricOverview(pipelineId: number, params: Params, enabled: boolean, initialData?: OverviewSeries) {
  return useQuery({
    queryKey: pipelineKeys.metrics(pipelineId, { ...params, view: "overview" }),
    queryFn: async ({ signal }) =>
      overviewOf(await fetchJson<MetricSeries>(`/api/v1/pipelines/${pipelineId}/metrics${qs(params)}`, signal)),
    initialData,
    enabled,
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  });
}

/** "The series are in the browser": after a fetch, or when the page's server-read first view starts hydrating. */
export function markSeriesData() {
  if (typeof window !== "undefined") performance.mark("stepwise:metric-graph:data");
}

export function useTrainingCurves(pipelineId: number, params: Params) {
  return useQuery({
    queryKey: pipelineKeys.metrics(pipelineId, { curves: "1", ...params }),
    queryFn: ({ signal }) =>
      fetchJson<TrainingCurves>(`/api/v1/pipelines/${pipelineId}/training-curves${qs(params)}`, signal),
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  });
}
