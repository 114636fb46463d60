/**
 * The /api/v1/runs/** operations for the OpenAPI document, from the same zod
 * schemas the route handlers validate with. lib/api/openapi.ts calls
 * registerRunPaths(registry) once, before it generates the document.
 */
import type { OpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import { errorResponse, jsonResponse as json, jsonBody, readErrors, writeErrors } from "@/lib/openapi";
import { JobLogPage, JobLogsQuery } from "./logs-schema";
import {
  MapRunExecutionList,
  MapRunExecutionsQuery,
  Run,
  RunActionBody,
  RunActionResult,
  RunIdParams,
  RunQuery,
  StepDetail,
  StepList,
  StepStatus,
  StepsQuery,
} from "./schema";

export function registerRunPaths(registry: OpenAPIRegistry, security: Record<string, string[]>[]): void {
  const wording = { 400: "Invalid parameters.", 404: "No such run (or step)." };
  const errors = readErrors(wording);
  // Every operation addresses one run (`{runId}` in the path); a read answers its schema or the run errors.
  const ofRun = <Q>(query: Q) => ({ params: RunIdParams, query });
  const answers = (schema: z.ZodType, description: string) => ({ 200: json(schema, description), ...errors });
  registry.registerPath({
    method: "get",
    path: "/api/v1/runs/{runId}",
    summary: "One run: status, times, input summary, pipeline, previous and next run",
    description:
      "`{runId}` is the `id` a list answered (`GET /api/v1/pipelines/{pipelineId}/runs` → `runs[].id`) " +
      "or the execution ARN (URL-encoded). Numeric database ids are never part of the API.",
    tags: ["runs"],
    security,
    request: ofRun(RunQuery),
    responses: answers(Run, "The run."),
  });
  registry.registerPath({
    method: "get",
    path: "/api/v1/runs/{runId}/steps",
    summary: "The run's steps (one per state execution; retries are attempts), without payloads",
    tags: ["runs"],
    security,
    request: ofRun(StepsQuery.extend({ status: StepStatus.optional() })),
    responses: answers(StepList, "The steps, in the order they were entered."),
  });
  registry.registerPath({
    method: "get",
    path: "/api/v1/runs/{runId}/steps/{stepKey}",
    summary: "One step with input, output, error, SageMaker jobs (metrics, curves) and history events",
    description: 'The step key\'s "/" separate path segments, e.g. `/steps/ForecastPerMarket[3]/TrainForecaster`.',
    tags: ["runs"],
    security,
    request: { params: z.object({ runId: RunIdParams.shape.runId, stepKey: z.string() }) },
    responses: answers(StepDetail, "The step."),
  });
  registry.registerPath({
    method: "get",
    path: "/api/v1/runs/{runId}/map-runs/executions",
    summary: "One page of a distributed Map's child executions (its Map Run), filterable by status",
    description:
      "Read from Step Functions (ListExecutions by mapRunArn) when asked, not stored. The run's Map Runs with " +
      "their item counts are in `GET /api/v1/runs/{runId}` → `mapRuns`.",
    tags: ["runs"],
    security,
    request: ofRun(MapRunExecutionsQuery),
    responses: answers(MapRunExecutionList, "The page; `nextToken` asks for the next one."),
  });
  registry.registerPath({
    method: "get",
    path: "/api/v1/runs/{runId}/logs",
    summary: "A step's SageMaker job logs (CloudWatch Logs), the last lines first; earlier pages and the tail by token",
    description:
      "Read from CloudWatch Logs when asked, not stored: the job's streams in `/aws/sagemaker/TrainingJobs`, " +
      "`…/ProcessingJobs` or `…/TransformJobs` (DescribeLogStreams) and one page of lines (GetLogEvents from the " +
      "end). Send `before` from an answer for the lines before it, `after` for the lines written since (tail). " +
      "A job that has not logged yet answers no lines with a `reason`; a role without `logs:GetLogEvents` or " +
      "`logs:DescribeLogStreams` answers 403 naming the permission.",
    tags: ["runs"],
    security,
    request: ofRun(JobLogsQuery),
    responses: {
      200: json(JobLogPage, "The lines, oldest first, with tokens for earlier and newer lines."),
      ...readErrors({
        ...wording,
        404: "No such run or step, or the step ran no training, processing or transform job.",
      }),
      403: errorResponse("The role Stepwise uses lacks a CloudWatch Logs permission (named in the message)."),
    },
  });
  for (const [action, summary] of [
    ["stop", "Stop a running execution"],
    ["redrive", "Redrive a failed, timed-out or aborted execution"],
    ["rerun", "Start a new execution with the run's input"],
  ] as const) {
    registry.registerPath({
      method: "post",
      path: `/api/v1/runs/{runId}/${action}`,
      summary: `${summary} (members of the owning team and admins; audited)`,
      tags: ["runs"],
      security,
      request: { params: RunIdParams, body: jsonBody(RunActionBody) },
      responses: {
        200: json(RunActionResult, "Accepted by Step Functions; the run page shows the result live."),
        ...writeErrors({
          ...wording,
          403: "Not a member of the owning team, or a read-only token.",
          409: "Not possible in the run's state (e.g. stopping a finished run).",
        }),
      },
    });
  }
}
