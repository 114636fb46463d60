/** /api/v1/views/** for the OpenAPI document. */
import type { OpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import { jsonResponse as json, jsonBody, readErrors, writeErrors as writeErrorsOf } from "@/lib/openapi";
import { CreateViewBody, SavedView, SavedViewList, ViewIdParams, ViewListQuery } from "./schema";

export function registerViewPaths(registry: OpenAPIRegistry, security: Record<string, string[]>[]): void {
  const errors = readErrors();
  const writeErrors = writeErrorsOf({
    403: "Read-only token, not a member of the owning team, or not the view's owner.",
  });
  const tags = ["views"];
  registry.registerPath({
    method: "get",
    path: "/api/v1/views",
    summary: "Saved views of a pipeline: the caller's own and every team's",
    tags,
    security,
    request: { query: ViewListQuery },
    responses: { 200: json(SavedViewList, "The views, and the teams the caller may save for."), ...errors },
  });
  registry.registerPath({
    method: "post",
    path: "/api/v1/views",
    summary: "Save a view of a pipeline page (the caller's own, or a team's for its members; audited)",
    tags,
    security,
    request: { body: jsonBody(CreateViewBody) },
    responses: { 200: json(SavedView, "The view; open it at `url`."), ...writeErrors },
  });
  registry.registerPath({
    method: "get",
    path: "/api/v1/views/{viewId}",
    summary: "One saved view",
    tags,
    security,
    request: { params: ViewIdParams },
    responses: { 200: json(SavedView, "The view."), ...errors },
  });
  registry.registerPath({
    method: "delete",
    path: "/api/v1/views/{viewId}",
    summary: "Delete a saved view (its owner, a member of its team, an admin; audited)",
    tags,
    security,
    request: { params: ViewIdParams },
    responses: { 200: json(z.object({ deleted: z.string() }), "Deleted."), ...writeErrors },
  });
}
