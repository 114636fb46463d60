"use client";
/**
 * One TanStack Query hook per run endpoint. Keys live under runKeys.detail(publicId), so a live message for
 * "run:<publicId>" (lib/query-keys.ts) makes all of them stale at once; the server-rendered data seeds them.
 */
import { useQuery } from "@tanstack/react-query";
import { fetchJson } from "@/components/ui/fetch-json";
import type { RunChanges } from "@/lib/changes/schema";
import { runKeys } from "@/lib/query-keys";
import type { MapRunExecutionList, Run, StepDetail, StepList } from "@/lib/runs/schema";

const base = (publicId: string) => `/api/v1/runs/${encodeURIComponent(publicId)}`;

/** The step key's "/" become path segments; every segment is encoded ("#", "[" and "{" included). */
export const stepUrl = (publicId: string, key: string) =>
  `${base(publicId)}/steps/${key.split("/").map(encodeURIComponent).join("/")}`;

export function useRun(publicId: string, initialData: Run) {
  return useQuery({
    queryKey: runKeys.detail(publicId),
    queryFn: ({ signal }) => fetchJson<Run>(`${base(publicId)}?payloads=0`, signal),
    initialData,
  });
}

/**
 * Every step of the run. The server renders the first screen from a part of the list (`initialData` with
 * fewer steps than `total`); marked as old, that part is shown at once and replaced by the whole list, fetched
 * right after hydration, so the HTML stays small and the server's time flat however many steps a run has.
 */
export function useRunSteps(publicId: string, initialData: StepList) {
  const partial = initialData.steps.length < initialData.total;
  return useQuery({
    queryKey: runKeys.steps(publicId),
    queryFn: ({ signal }) => fetchJson<StepList>(`${base(publicId)}/steps`, signal),
    initialData,
    initialDataUpdatedAt: partial ? 0 : undefined,
  });
}

/** Input and output of the run itself (up to 256 KiB each), only when the panel shows them. */
export function useRunPayloads(publicId: string, enabled: boolean) {
  return useQuery({
    queryKey: [...runKeys.detail(publicId), "payloads"],
    queryFn: ({ signal }) => fetchJson<Run>(`${base(publicId)}?payloads=1`, signal),
    enabled,
  });
}

/**
 * One step's details. `revision` changes when the step does (status, attempts, end) so a finished step is
 * fetched once; while it runs, the run's version is part of it so SageMaker progress comes through. The
 * previous detail of the same step stays on screen while the next one loads: no flicker.
 */
export function useStepDetail(publicId: string, key: string | null, revision: string) {
  return useQuery({
    queryKey: ["run-step", publicId, key, revision],
    queryFn: ({ signal }) => fetchJson<StepDetail>(stepUrl(publicId, key ?? ""), signal),
    enabled: key !== null,
    staleTime: Number.POSITIVE_INFINITY,
    placeholderData: (previous, previousQuery) =>
      previousQuery?.queryKey[2] === key && previousQuery?.queryKey[1] === publicId ? previous : undefined,
  });
}

/** What changed since the last good run (lib/changes); refetched with the run on every live change. */
export function useRunChanges(publicId: string) {
  return useQuery({
    queryKey: [...runKeys.detail(publicId), "changes"],
    queryFn: ({ signal }) => fetchJson<RunChanges>(`${base(publicId)}/changes`, signal),
  });
}

/**
 * One page of a Map Run's child executions (read from Step Functions by the server on demand). Under the
 * run's key, so a live change of the run refreshes the page shown; the previous page stays while the next
 * one loads.
 */
export function useMapRunExecutions(
  publicId: string,
  params: { mapRun: string; status: string | null; nextToken: string | null },
) {
  const query = new URLSearchParams({ mapRun: params.mapRun, limit: "25" });
  if (params.status) query.set("status", params.status);
  if (params.nextToken) query.set("nextToken", params.nextToken);
  return useQuery({
    queryKey: [...runKeys.detail(publicId), "map-run-executions", params],
    queryFn: ({ signal }) => fetchJson<MapRunExecutionList>(`${base(publicId)}/map-runs/executions?${query}`, signal),
    placeholderData: (previous) => previous,
  });
}
