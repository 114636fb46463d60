/**
 * The pipelines operations of /api/v1 for the OpenAPI document, from the zod schemas the route
 * handlers validate with. lib/api/openapi.ts calls registerPipelinePaths(registry, …) once.
 */
import type { OpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import { jsonResponse as json, readErrors } from "@/lib/openapi";
import {
  MetricSeries,
  MetricSeriesQuery,
  PipelineIdParams,
  PipelineListQuery,
  PipelinePage,
  RunListQuery,
  RunPage,
  TrainingCurves,
  TrainingCurvesQuery,
} from "./schema";

/** The query schemas transform their input; the document describes what a caller sends. */
const MetricSeriesParams = z.object({
  names: z.string().optional().meta({
    description: "Comma-separated run-level metric names. Default: the pipeline's headline metric.",
    example: "validation:auc",
  }),
  width: z.number().int().min(16).max(4000).optional().meta({
    description: "Pixel width: at most `width` points per metric (min/max per 2-pixel bucket).",
  }),
  x: z.enum(["time", "number"]).optional().meta({ description: "x by run start time (epoch ms) or run number." }),
  from: z.string().optional().meta({ description: "Range start: ISO date-time (x=time) or run number (x=number)." }),
  to: z.string().optional().meta({ description: "Range end, inclusive." }),
  window: z.number().int().min(2).max(200).optional().meta({ description: "Runs in the trailing baseline (10)." }),
  threshold: z.number().min(0.1).max(100).optional().meta({
    description: "Percent worse than the baseline that marks a regression (3).",
  }),
});
void MetricSeriesQuery;

const ListParams = PipelineListQuery.extend({
  limit: z.number().int().min(1).max(200).optional(),
});
const RunsParams = z.object({
  status: z.string().optional().meta({ description: "Comma-separated run statuses, e.g. FAILED,TIMED_OUT." }),
  q: z.string().optional().meta({ description: "Text in the run name, or a run's public id." }),
  from: z.string().optional().meta({ description: "Runs started at or after (ISO 8601)." }),
  to: z.string().optional().meta({ description: "Runs started before (ISO 8601)." }),
  sort: z.enum(["newest", "oldest", "longest"]).optional(),
  cursor: z.string().optional().meta({ description: "`nextCursor` / `prevCursor` of a previous page." }),
  limit: z.number().int().min(1).max(200).optional(),
  metrics: z.string().optional().meta({ description: "Comma-separated metrics to include per run." }),
});
void RunListQuery;
const CurvesParams = TrainingCurvesQuery.extend({ runs: z.number().int().min(1).max(30).optional() });

export function registerPipelinePaths(registry: OpenAPIRegistry, security: Record<string, string[]>[]): void {
  const errors = readErrors();
  registry.registerPath({
    method: "get",
    path: "/api/v1/pipelines",
    summary: "Pipelines with their latest run, recent success rate, median duration and headline sparkline",
    tags: ["pipelines"],
    security,
    request: { query: ListParams },
    responses: { 200: json(PipelinePage, "One page of pipelines."), 400: errors[400], 401: errors[401] },
  });
  registry.registerPath({
    method: "get",
    path: "/api/v1/pipelines/{pipelineId}/runs",
    summary: "Runs of a pipeline: filters, sorting and cursor pagination (keyset on start time)",
    tags: ["pipelines"],
    security,
    request: { params: PipelineIdParams, query: RunsParams },
    responses: { 200: json(RunPage, "One page of runs."), ...errors },
  });
  registry.registerPath({
    method: "get",
    path: "/api/v1/pipelines/{pipelineId}/metrics",
    summary: "Metric evolution across runs, downsampled for a pixel width (min/max per bucket), with baseline",
    tags: ["pipelines"],
    security,
    request: { params: PipelineIdParams, query: MetricSeriesParams },
    responses: { 200: json(MetricSeries, "One series per metric, columnar."), ...errors },
  });
  registry.registerPath({
    method: "get",
    path: "/api/v1/pipelines/{pipelineId}/training-curves",
    summary: "Per-epoch training curves of the latest runs for one metric",
    tags: ["pipelines"],
    security,
    request: { params: PipelineIdParams, query: CurvesParams },
    responses: { 200: json(TrainingCurves, "Curves, newest run first."), ...errors },
  });
  registry.registerPath({
    method: "get",
    path: "/api/v1/pipelines/{pipelineId}/compare",
    summary: "Runs side by side: status, final metrics, step timings, hyperparameters and input (the compare page)",
    description: "Expensive: a few comparisons at once per user; more answer 429 with Retry-After.",
    tags: ["pipelines"],
    security,
    request: {
      params: PipelineIdParams,
      query: z.object({ runs: z.string().meta({ description: "Comma-separated run public ids (at most 8)." }) }),
    },
    responses: {
      200: json(
        z.object({ runs: z.array(z.record(z.string(), z.unknown())) }),
        "The runs that belong to the pipeline, in the order asked.",
      ),
      ...errors,
      429: { description: "Too many comparisons of this user in flight; see Retry-After." },
    },
  });
}
