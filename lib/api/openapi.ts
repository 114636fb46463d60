/**
 * The OpenAPI registry of /api/v1. Each resource registers its paths here from
 * the same zod schemas its route handler validates with; GET
 * /api/v1/openapi.json serves the generated document. Later issues add their
 * paths below (one `registry.registerPath` per operation).
 */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import { registerAlertPaths } from "@/lib/alerts/openapi";
import { registerChangesPaths } from "@/lib/changes/openapi";
import { registerModelPaths } from "@/lib/models/openapi";
import { jsonResponse as json, jsonBody, readErrors, writeErrors } from "@/lib/openapi";
import { registerPipelinePaths } from "@/lib/pipelines/openapi";
import { registerRunPaths } from "@/lib/runs/openapi";
import { registerViewPaths } from "@/lib/views/openapi";
import packageJson from "@/package.json";
import { Me, Team, TeamSlugParams, UpdateTeamBody } from "./schemas";

export const registry = new OpenAPIRegistry();

const bearer = registry.registerComponent("securitySchemes", "bearerToken", {
  type: "http",
  scheme: "bearer",
  description: "An API token from Settings → API tokens (`sw_…`).",
});
const cookie = registry.registerComponent("securitySchemes", "sessionCookie", {
  type: "apiKey",
  in: "cookie",
  name: "stepwise.session",
  description: "The browser session (`__Host-stepwise.session` when served over HTTPS).",
});
export const security = [{ [bearer.name]: [] }, { [cookie.name]: [] }];

/** The error responses every authenticated operation can give. */
const errorResponses = writeErrors({ 403: "Not allowed (read-only token, or not a member of the owning team)." });
/** A team is addressed by its slug. */
const teamPath = { params: TeamSlugParams };

registry.registerPath({
  method: "get",
  path: "/api/v1/me",
  summary: "The caller and their teams",
  tags: ["access"],
  security,
  responses: { 200: json(Me, "The caller."), 401: errorResponses[401] },
});

registry.registerPath({
  method: "get",
  path: "/api/v1/teams/{slug}",
  summary: "One team",
  tags: ["access"],
  security,
  request: teamPath,
  responses: { 200: json(Team, "The team."), ...readErrors() },
});

registry.registerPath({
  method: "patch",
  path: "/api/v1/teams/{slug}",
  summary: "Rename a team (members of the team and admins; audited)",
  tags: ["access"],
  security,
  request: { ...teamPath, body: jsonBody(UpdateTeamBody) },
  responses: { 200: json(Team, "The updated team."), ...errorResponses },
});

registry.registerPath({
  method: "get",
  path: "/api/live",
  summary: "Live change stream (server-sent events)",
  description:
    "One `text/event-stream` per browser tab. Events: `ready`, `change` (`{ topic, kind, id, version }` with an " +
    "`id:` line — ids only, never data; refetch what changed), `resync` (refetch everything: the gap could not be " +
    "replayed), `unauthorized` (the session or token ended; the stream closes). Comment heartbeats every 15 s. " +
    "Reconnect with `Last-Event-ID` to receive what was missed.",
  tags: ["live"],
  security,
  request: {
    query: z.object({
      topics: z.string().meta({
        description: "Comma-separated: `pipelines`, `models`, `pipeline:<id>`, `run:<publicId>`, `model:<id>` (≤ 50).",
        example: "pipelines,run:Ab3dE9xY2k",
      }),
    }),
  },
  responses: {
    200: { description: "The event stream.", content: { "text/event-stream": { schema: z.string() } } },
    400: errorResponses[400],
    401: errorResponses[401],
  },
});

registerRunPaths(registry, security);
registerChangesPaths(registry, security);
registerAlertPaths(registry, security);
registerPipelinePaths(registry, security);
registerModelPaths(registry, security);
registerViewPaths(registry, security);

export function openApiDocument() {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "Stepwise API",
      version: packageJson.version,
      description:
        "Read API for notebooks and scripts. Authenticate with `Authorization: Bearer sw_…` (create a token under " +
        "Settings → API tokens, or `npm run token -- create --user <email>`). Errors are " +
        '`{ "error": { "code", "message" } }`. The list endpoints (pipelines, runs of a pipeline, its metric ' +
        "series and training curves, a run's steps, models) also answer CSV with the same filters: `?format=csv` " +
        "or `Accept: text/csv`; nested fields become dotted columns (`metrics.<name>`, `hyperparameters.<name>` " +
        "with `include=hyperparameters`), one row per item, ready for `pandas.read_csv`.",
    },
    servers: [{ url: "/" }],
  });
}
