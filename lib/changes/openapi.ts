/** GET /api/v1/runs/{runId}/changes for the OpenAPI document (lib/api/openapi.ts calls this once). */
import type { OpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import type { z } from "zod";
import { ErrorResponse } from "@/lib/errors";
import { RunIdParams } from "@/lib/runs/schema";
import { RunChanges } from "./schema";

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export function registerChangesPaths(registry: OpenAPIRegistry, security: Record<string, string[]>[]): void {
  registry.registerPath({
    method: "get",
    path: "/api/v1/runs/{runId}/changes",
    summary: "What changed since the last good run",
    description:
      "Compares the run with its pipeline's most recent successful run before it whose metrics did not regress " +
      "(the metric graph's trailing baseline and threshold): definition revision, input (JSON diff), " +
      "hyperparameters, images, instances, input data locations, step durations (largest changes first), cost.",
    tags: ["runs"],
    security,
    request: { params: RunIdParams },
    responses: {
      200: json(RunChanges, "The comparison (baseline null when there is none)."),
      400: json(ErrorResponse, "Invalid parameters."),
      401: json(ErrorResponse, "No valid session or API token."),
      404: json(ErrorResponse, "No such run."),
    },
  });
}
