/**
 * The one wrapper every /api route handler goes through (dub's withWorkspace):
 *  1. authentication — `Authorization: Bearer sw_…` (API token) or the session
 *     cookie, both checked against the database; none → 401 JSON, never a redirect;
 *  2. scope — "write" needs a token created with writes allowed, and session
 *     writes must come from our own origin (CSRF);
 *  3. validation — params, query and JSON body through zod → 400 with a message
 *     (a NUL character anywhere → 400; a body over MAX_BODY_BYTES, 1 MiB → 413);
 *  4. errors — AppError → its status and `{ "error": { "code", "message" } }`;
 *     a statement cancelled by statement_timeout → 503 with Retry-After;
 *     anything else → 500 with a generic message, logged with context;
 *  5. audit — every write (ok / denied / failed) and every refused credential (the latter at most
 *     AUDIT_FAILED_PER_MINUTE per source address, lib/audit/failed-credentials.ts).
 * Plain Request in, Response out, so tests call route exports directly.
 */
import "server-only";

export { authenticateRequest } from "@/lib/auth/authenticate";

import type { z } from "zod";
import { recordFailedCredential } from "@/lib/audit/failed-credentials";
import { type AuditOutcome, recordAudit } from "@/lib/audit/log";
import { requestContextFromHeaders, runWithRequestContext } from "@/lib/audit/request-context";
import { authenticateRequest } from "@/lib/auth/authenticate";
import { appOrigin } from "@/lib/auth/config";
import { auditVia, type Principal } from "@/lib/auth/principal";
import { AppError, badRequest, errorResponse, forbidden } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { logger } from "@/lib/log";
import { findNul, readBodyText } from "./body";
import { type CsvTable, csvResponse, requestedFormat } from "./csv";
import { type ExpensiveRead, withSlot } from "./limits";
import { databaseOverload } from "./overload";

export type Scope = "read" | "write";

type Schema = z.ZodType;
type Infer<S> = S extends z.ZodType ? z.infer<S> : undefined;

export type AuditTarget = { type: string; id: string; details?: Prisma.InputJsonObject };

export type ApiContext<P, Q, B> = {
  request: Request;
  principal: Principal;
  params: P;
  query: Q;
  body: B;
  /** Names what a write changed, for its audit row. */
  auditTarget: (target: AuditTarget) => void;
};

export type ApiConfig<PS, QS, BS> = {
  scope: Scope;
  params?: PS;
  query?: QS;
  body?: BS;
  /** Audit action for writes, e.g. "team.update"; default "<METHOD> <path>". */
  action?: string;
  /** An expensive read: at most N in flight per user on this instance, the next one gets 429 (lib/api/limits.ts). */
  limit?: ExpensiveRead;
  /**
   * False for requests a page makes on its own (the live stream): they do not count as the user's
   * activity, so they never slide the session's idle expiry. Default true.
   */
  activity?: boolean;
  /**
   * List endpoints: the rows of the answer as a table, for `?format=csv` / `Accept: text/csv`
   * (lib/api/csv.ts). Without it, `format=csv` is a 400 and an Accept of text/csv gets JSON.
   */
  csv?: (result: never) => CsvTable;
};

/** Next's second route-handler argument (params is a Promise in Next 15+). */
export type RouteContext = { params?: Promise<unknown> };

export type ApiHandler = (request: Request, context?: RouteContext) => Promise<Response>;

function zodMessage(error: z.ZodError, where: string): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.length ? issue.path.join(".") : where;
      return `${path}: ${issue.message}`;
    })
    .join("; ");
}

function parseWith<S extends Schema | undefined>(schema: S, value: unknown, where: string): Infer<S> {
  if (!schema) return undefined as unknown as Infer<S>;
  const result = schema.safeParse(value);
  if (!result.success) throw badRequest(`Invalid ${where}: ${zodMessage(result.error, where)}`);
  return result.data as Infer<S>;
}

function queryObject(url: URL): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const all = url.searchParams.getAll(key);
    out[key] = all.length === 1 ? (all[0] ?? "") : all;
  }
  return out;
}

/** Session-authenticated writes must come from our own pages (cookies ride along cross-site otherwise). */
function assertSameOrigin(request: Request): void {
  const origin = request.headers.get("origin");
  const site = request.headers.get("sec-fetch-site");
  const expected = appOrigin() ?? new URL(request.url).origin;
  if (origin && origin !== expected && origin !== new URL(request.url).origin) {
    throw forbidden("Cross-site request refused.");
  }
  if (!origin && site && site !== "same-origin" && site !== "none") throw forbidden("Cross-site request refused.");
}

export function withApi<
  PS extends Schema | undefined = undefined,
  QS extends Schema | undefined = undefined,
  BS extends Schema | undefined = undefined,
>(
  config: ApiConfig<PS, QS, BS>,
  handler: (context: ApiContext<Infer<PS>, Infer<QS>, Infer<BS>>) => Promise<Response | unknown>,
): ApiHandler {
  return (request, routeContext) =>
    runWithRequestContext(requestContextFromHeaders(request.headers), () => handle(request, routeContext));

  async function handle(request: Request, routeContext?: RouteContext): Promise<Response> {
    const url = new URL(request.url);
    const action = config.action ?? `${request.method} ${url.pathname}`;
    const isWrite = config.scope === "write";
    let principal: Principal | null = null;
    let target: AuditTarget | null = null;
    const audit = (outcome: AuditOutcome, details: Prisma.InputJsonObject = {}) =>
      recordAudit({
        actor: principal ? { id: principal.user.id, email: principal.user.email } : null,
        via: principal ? auditVia(principal) : "anonymous",
        action,
        targetType: target?.type,
        targetId: target?.id,
        outcome,
        details: { method: request.method, path: url.pathname, ...(target?.details ?? {}), ...details },
      });

    try {
      const auth = await authenticateRequest(request, { touch: config.activity ?? true });
      if (!auth.ok) {
        await recordFailedCredential({
          actor: auth.audit.userId ? { id: auth.audit.userId, email: null } : null,
          via: auth.audit.tokenId ? `token:${auth.audit.tokenId}` : "anonymous",
          action: "api.unauthorized",
          outcome: "denied",
          details: { method: request.method, path: url.pathname, reason: auth.audit.reason },
        });
        return errorResponse(auth.error);
      }
      principal = auth.principal;
      if (isWrite) {
        if (!principal.canWrite) throw forbidden("This API token is read-only; create one with writes allowed.");
        if (principal.via === "session") assertSameOrigin(request);
      }

      const rawParams = (await routeContext?.params) ?? {};
      const rawQuery = queryObject(url);
      // On list endpoints `format` (csv | json) is the handler's, not the query schema's; elsewhere only
      // format=csv is refused here, and any other `format` is left to the route (oEmbed answers 501 for xml).
      let format: "json" | "csv" = "json";
      if (config.csv) {
        const asked = requestedFormat(rawQuery.format, request.headers.get("accept"));
        if (asked === null) throw badRequest("Invalid query: format must be json or csv.");
        format = asked;
        delete rawQuery.format;
      } else if (rawQuery.format === "csv") {
        throw badRequest("This endpoint answers JSON only; CSV is offered by the list endpoints.");
      }
      const nulIn = findNul(rawParams) ?? findNul(rawQuery);
      if (nulIn) throw badRequest(`Invalid ${nulIn}: a NUL character names nothing here.`);
      const params = parseWith(config.params as PS, rawParams, "path parameters");
      const query = parseWith(config.query as QS, rawQuery, "query");
      let body: unknown;
      if (config.body) {
        const text = await readBodyText(request);
        try {
          body = text ? JSON.parse(text) : {};
        } catch {
          throw badRequest("The request body is not valid JSON.");
        }
        const nulInBody = findNul(body);
        if (nulInBody) throw badRequest(`Invalid body: ${nulInBody} contains a NUL character.`);
      }
      const parsedBody = parseWith(config.body as BS, body, "body");

      const context = {
        request,
        principal,
        params,
        query,
        body: parsedBody,
        auditTarget: (t: AuditTarget) => {
          target = t;
        },
      };
      const result = config.limit
        ? await withSlot(config.limit, principal, () => handler(context))
        : await handler(context);
      if (isWrite) await audit("ok");
      const response =
        result instanceof Response
          ? result
          : format === "csv" && config.csv
            ? csvResponse(config.csv(result as never))
            : Response.json(result ?? null);
      if (!response.headers.has("Cache-Control")) response.headers.set("Cache-Control", "no-store");
      return response;
    } catch (error) {
      if (error instanceof AppError) {
        if (error.code === "forbidden" || error.code === "too_many_requests") {
          await audit("denied", { reason: error.message });
        } else if (isWrite) await audit("failed", { code: error.code, reason: error.message });
        return errorResponse(error);
      }
      const mapped = databaseOverload(error);
      if (mapped) {
        logger.warn({ method: request.method, path: url.pathname, code: mapped.code }, mapped.message);
        if (isWrite) await audit("failed", { code: mapped.code });
        return errorResponse(mapped);
      }
      logger.error(
        { err: error, method: request.method, path: url.pathname, userId: principal?.user.id ?? null },
        "api request failed",
      );
      if (isWrite) await audit("failed", { code: "internal" });
      return errorResponse(new AppError("internal", "Something went wrong on our side. It has been logged."));
    }
  }
}
