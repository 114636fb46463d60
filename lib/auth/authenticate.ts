/**
 * The one way a request's credentials become a Principal: a `Bearer sw_…` API
 * token or the session cookie, each looked up in Postgres in ONE SQL statement
 * (lib/auth/session.ts, lib/auth/tokens.ts). Pages, metadata, server components
 * and server actions reach it through `getPrincipal()` (lib/auth/current.ts,
 * cached per request); route handlers through `withApi` (lib/api/handler.ts,
 * cached per Request object). Nothing else decides who is asking.
 */
import "server-only";
import { type AppError, unauthorized } from "@/lib/errors";
import type { Principal } from "./principal";
import { type FindSessionOptions, findActiveSession, sessionPrincipal, sessionTokenFromCookieHeader } from "./session";
import { authenticateApiToken, bearerToken } from "./tokens";

export type Credentials = {
  /** The session cookie's value, or null without one. */
  sessionToken: string | null;
  /** The bearer token; null without an Authorization header, "" when the header is not a bearer token. */
  bearer: string | null;
};

export type Authentication =
  | { ok: true; principal: Principal }
  | { ok: false; error: AppError; audit: { reason: string; tokenId?: string; userId?: string } };

export function credentialsFromHeaders(headers: Headers): Credentials {
  return { sessionToken: sessionTokenFromCookieHeader(headers.get("cookie")), bearer: bearerToken(headers) };
}

/** A bearer token wins over a cookie (scripts may carry both); neither → 401 "no credentials". */
export async function authenticate(
  credentials: Credentials,
  options: FindSessionOptions = {},
): Promise<Authentication> {
  if (credentials.bearer !== null) {
    const check = await authenticateApiToken(credentials.bearer, { now: options.now });
    if (check.ok) return { ok: true, principal: check.principal };
    const message =
      check.reason === "revoked"
        ? "This API token has been revoked."
        : check.reason === "expired"
          ? "This API token has expired."
          : "Invalid API token.";
    return {
      ok: false,
      error: unauthorized(message),
      audit: { reason: `token ${check.reason}`, tokenId: check.tokenId, userId: check.userId },
    };
  }
  if (credentials.sessionToken) {
    const session = await findActiveSession(credentials.sessionToken, options);
    if (session) return { ok: true, principal: sessionPrincipal(session) };
    return {
      ok: false,
      error: unauthorized("Your session has ended. Sign in again."),
      audit: { reason: "session invalid" },
    };
  }
  return { ok: false, error: unauthorized(), audit: { reason: "no credentials" } };
}

const byRequest = new WeakMap<Request, Promise<Authentication>>();

/** The caller of a route handler, resolved once per Request object. */
export function authenticateRequest(request: Request, options: FindSessionOptions = {}): Promise<Authentication> {
  let result = byRequest.get(request);
  if (!result) {
    result = authenticate(credentialsFromHeaders(request.headers), options);
    byRequest.set(request, result);
  }
  return result;
}
