/**
 * The HTTP methods each /api route answers, so that proxy.ts can refuse any other method with the
 * shared JSON error (405, `Allow`) before Next.js would answer it with an empty body. Written as
 * the route files' paths; test/error-shapes.test.ts checks it against every app/api/**\/route.ts's
 * exports, so it cannot drift. Edge-safe: no imports.
 */
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export const API_ROUTE_METHODS: Record<string, readonly Method[]> = {
  "/api/auth/[...nextauth]": ["GET", "POST"],
  "/api/health": ["GET"],
  "/api/ingest/eventbridge": ["POST"],
  "/api/live": ["GET"],
  "/api/metrics": ["GET"],
  "/api/models/[modelId]/versions/[version]/pdf": ["GET"],
  "/api/oembed": ["GET"],
  "/api/v1/alerts/channels": ["GET", "POST"],
  "/api/v1/alerts/channels/[channelId]": ["DELETE"],
  "/api/v1/alerts/channels/[channelId]/deliveries": ["GET"],
  "/api/v1/alerts/rules": ["GET", "POST"],
  "/api/v1/alerts/rules/[ruleId]": ["GET", "PUT", "DELETE"],
  "/api/v1/inbox": ["GET"],
  "/api/v1/inbox/read": ["POST"],
  "/api/v1/me": ["GET"],
  "/api/v1/models": ["GET"],
  "/api/v1/models/[modelId]": ["GET"],
  "/api/v1/models/[modelId]/versions/[version]/card": ["GET"],
  "/api/v1/models/[modelId]/versions/[version]/card/revisions": ["POST"],
  "/api/v1/models/[modelId]/versions/[version]/card/status": ["POST"],
  "/api/v1/openapi.json": ["GET"],
  "/api/v1/pipelines": ["GET"],
  "/api/v1/pipelines/[pipelineId]": ["GET"],
  "/api/v1/pipelines/[pipelineId]/compare": ["GET"],
  "/api/v1/pipelines/[pipelineId]/metrics": ["GET"],
  "/api/v1/pipelines/[pipelineId]/runs": ["GET"],
  "/api/v1/pipelines/[pipelineId]/training-curves": ["GET"],
  "/api/v1/pipelines/[pipelineId]/watch": ["GET", "PUT"],
  "/api/v1/runs/[runId]": ["GET"],
  "/api/v1/runs/[runId]/changes": ["GET"],
  "/api/v1/runs/[runId]/logs": ["GET"],
  "/api/v1/runs/[runId]/map-runs/executions": ["GET"],
  "/api/v1/runs/[runId]/redrive": ["POST"],
  "/api/v1/runs/[runId]/rerun": ["POST"],
  "/api/v1/runs/[runId]/steps": ["GET"],
  "/api/v1/runs/[runId]/steps/[...key]": ["GET"],
  "/api/v1/runs/[runId]/stop": ["POST"],
  "/api/v1/teams/[slug]": ["GET", "PATCH"],
  "/api/v1/unauthenticated": ["GET", "POST", "PUT", "PATCH", "DELETE"],
  "/api/v1/views": ["GET", "POST"],
  "/api/v1/views/[viewId]": ["GET", "DELETE"],
};

/** `[x]` is one segment, `[...x]` one or more. */
function patternOf(route: string): RegExp {
  const body = route
    .split("/")
    .map((segment) => {
      if (/^\[\.\.\.[^\]]+\]$/.test(segment)) return ".+";
      if (/^\[[^\]]+\]$/.test(segment)) return "[^/]+";
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return new RegExp(`^${body}/?$`);
}

const PATTERNS = Object.entries(API_ROUTE_METHODS).map(([route, methods]) => ({ pattern: patternOf(route), methods }));

/**
 * The methods allowed at `pathname` when one of our routes matches it and `method` is not among them;
 * null when the method is fine or no route matches (the catch-all then answers 404). HEAD and OPTIONS
 * are Next's own (HEAD where GET is), never refused here.
 */
export function disallowedMethod(pathname: string, method: string): readonly Method[] | null {
  if (method === "OPTIONS") return null;
  const asked = method === "HEAD" ? "GET" : method;
  const matching = PATTERNS.filter((p) => p.pattern.test(pathname));
  if (matching.length === 0) return null;
  if (matching.some((p) => (p.methods as readonly string[]).includes(asked))) return null;
  return [...new Set(matching.flatMap((p) => p.methods))];
}
