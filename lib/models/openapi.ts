/**
 * The /api/v1/models/** operations for the OpenAPI document, from the same zod schemas the route
 * handlers validate with. lib/api/openapi.ts calls registerModelPaths(registry, security) once, before
 * it generates the document.
 */
import type { OpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import { jsonResponse as json, readErrors, writeErrors as writeErrorsOf } from "@/lib/openapi";
import {
  ModelCardView,
  ModelDetail,
  ModelIdParams,
  ModelList,
  ModelListQuery,
  ModelVersionParams,
  RevisionResult,
  SaveCardRevisionBody,
  SetCardStatusBody,
} from "./schema";

export function registerModelPaths(registry: OpenAPIRegistry, security: Record<string, string[]>[]): void {
  const wording = { 400: "Invalid parameters.", 404: "No such model or version." };
  const errors = readErrors(wording);
  registry.registerPath({
    method: "get",
    path: "/api/v1/models",
    summary: "Models (model package groups) with their newest version, approval and card status",
    tags: ["models"],
    security,
    request: { query: ModelListQuery },
    responses: {
      200: json(ModelList, "The models, newest registration first."),
      ...errors,
    },
  });
  registry.registerPath({
    method: "get",
    path: "/api/v1/models/{modelId}",
    summary: "One model with all its versions (approval, card status, producing run, headline metric)",
    tags: ["models"],
    security,
    request: { params: ModelIdParams },
    responses: { 200: json(ModelDetail, "The model."), ...errors },
  });
  registry.registerPath({
    method: "get",
    path: "/api/v1/models/{modelId}/versions/{version}/card",
    summary: "The model card of one version: facts generated from lineage plus the latest narrative revision",
    tags: ["models"],
    security,
    request: { params: ModelVersionParams },
    responses: { 200: json(ModelCardView, "The card."), ...errors },
  });
  const writeErrors = writeErrorsOf({
    ...wording,
    403: "Not allowed (not a member / reviewer of the owning team, or a read-only token).",
    409: "The card changed since `baseRevision`, or the workflow does not allow this change.",
  });
  registry.registerPath({
    method: "post",
    path: "/api/v1/models/{modelId}/versions/{version}/card/revisions",
    summary: "Save the card's narrative as a new immutable revision (owning team members and admins; audited)",
    tags: ["models"],
    security,
    request: {
      params: ModelVersionParams,
      body: { content: { "application/json": { schema: SaveCardRevisionBody } } },
    },
    responses: { 201: json(RevisionResult, "The new revision."), ...writeErrors },
  });
  registry.registerPath({
    method: "post",
    path: "/api/v1/models/{modelId}/versions/{version}/card/status",
    summary: "Move the card through Draft → Pending review → Approved → Archived (approval: reviewers; audited)",
    tags: ["models"],
    security,
    request: { params: ModelVersionParams, body: { content: { "application/json": { schema: SetCardStatusBody } } } },
    responses: { 200: json(RevisionResult, "The revision recording the change."), ...writeErrors },
  });
}
