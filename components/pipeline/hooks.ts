"use client";
/**
 * One TanStack Query hook per pipelines endpoint. Keys come from lib/query-keys (pipelineKeys), so a
 * live message on "pipelines" / "pipeline:<id>" invalidates exactly these queries and they refetch.
 */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { seriesUrl } from "@/components/charts/series-request";
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

/** `marked`: the graph's own series (not its overview's) marks when its data is parsed, for the bench. */
export function useMetricSeries(pipelineId: number, params: Params, enabled: boolean, marked = false) {
  return useQuery({
    queryKey: pipelineKeys.metrics(pipelineId, params),
    queryFn: async ({ signal }) => {
      // The page's HTML preloads this very URL (components/charts/series-request.ts): the browser answers this
      // fetch from the preload when it matches.
      const data = await fetchJson<MetricSeries>(seriesUrl(pipelineId, params), signal);
      // The bench (bench/modules/metric-graph.ts) measures first render from here to the plot's commit.
      if (marked) performance.mark("stepwise:metric-graph:data");
      return data;
    },
    enabled,
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  });
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
