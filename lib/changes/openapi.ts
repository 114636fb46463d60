/** GET /api/v1/runs/{runId}/changes for the OpenAPI document (lib/api/openapi.ts calls this once). */
import type { OpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import { jsonResponse as json, readErrors } from "@/lib/openapi";
import { RunIdParams } from "@/lib/runs/schema";
import { RunChanges } from "./schema";

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
      ...readErrors({ 400: "Invalid parameters.", 404: "No such run." }),
    },
  });
}
