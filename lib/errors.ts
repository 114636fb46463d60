/**
 * The one error type the product throws on purpose. Route handlers and server
 * actions (lib/api/handler.ts, lib/auth/action.ts) turn it into
 * `{ "error": { "code", "message" } }` with the matching HTTP status; anything
 * else is unexpected, logged with context and answered with a generic 500. Every /api answer that is not
 * 2xx has this shape (ErrorBody below; its zod schema, the OpenAPI document's `Error`, is lib/error-schema.ts):
 * the route handlers, the proxy's 401/403/405 (proxy.ts) and the catch-all 404 of unknown /api paths
 * (app/api/[...path]). Free of server imports and of zod: the proxy, the OpenAPI document, tests and client
 * code (lib/runs/permissions.ts) use it too.
 */

export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  too_many_requests: 429,
  internal: 500,
  not_implemented: 501,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: Record<string, unknown>;
  /** Seconds after which trying again makes sense (429, 503): sent as Retry-After. */
  readonly retryAfterSeconds?: number;

  constructor(
    code: ErrorCode,
    message: string,
    details?: Record<string, unknown>,
    options: { retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.details = details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const badRequest = (message: string, details?: Record<string, unknown>) =>
  new AppError("bad_request", message, details);
export const unauthorized = (message = "Sign in or send an API token (Authorization: Bearer sw_…).") =>
  new AppError("unauthorized", message);
export const forbidden = (message = "You do not have permission to do this.") => new AppError("forbidden", message);
export const notFound = (message = "Not found.") => new AppError("not_found", message);
export const conflict = (message: string) => new AppError("conflict", message);
export const tooManyRequests = (message: string, retryAfterSeconds: number) =>
  new AppError("too_many_requests", message, undefined, { retryAfterSeconds });
export const notImplemented = (message: string) => new AppError("not_implemented", message);
export const unavailable = (message: string, retryAfterSeconds: number) =>
  new AppError("unavailable", message, undefined, { retryAfterSeconds });

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

export const methodNotAllowed = (method: string, allowed: readonly string[]) =>
  new AppError("method_not_allowed", `${method.slice(0, 20)} is not allowed here; use ${allowed.join(" or ")}.`, {
    allow: [...allowed],
  });

/** The body of every error answer of the API (lib/error-schema.ts is its zod schema). */
export type ErrorBody = { error: { code: ErrorCode; message: string; details?: Record<string, unknown> } };

/** The JSON error response every API route answers with. */
export function errorResponse(error: AppError, init: ResponseInit = {}): Response {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  if (error.details) body.error.details = error.details;
  const headers = new Headers(init.headers);
  headers.set("Cache-Control", "no-store");
  if (error.code === "unauthorized") headers.set("WWW-Authenticate", 'Bearer realm="stepwise"');
  if (error.code === "method_not_allowed" && Array.isArray(error.details?.allow))
    headers.set("Allow", (error.details.allow as string[]).join(", "));
  if (error.retryAfterSeconds !== undefined)
    headers.set("Retry-After", String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
  return Response.json(body, { ...init, status: error.status, headers });
}
