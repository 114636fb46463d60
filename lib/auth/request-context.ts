/**
 * Who is on the other end of the current request (IP, user agent), for session
 * records and audit rows written deep inside next-auth callbacks and the adapter,
 * which get no request object of their own.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export type RequestContext = {
  ip: string | null;
  userAgent: string | null;
  /** The next-auth action being handled ("callback", "signin", …), when inside /api/auth. */
  authAction?: string;
};

const storage = new AsyncLocalStorage<RequestContext>();

export function requestContextFromHeaders(headers: Headers): RequestContext {
  const forwarded = headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  const ip = forwarded || headers.get("x-real-ip") || null;
  const userAgent = headers.get("user-agent");
  return { ip: ip ? ip.slice(0, 100) : null, userAgent: userAgent ? userAgent.slice(0, 500) : null };
}

export function runWithRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentRequestContext(): RequestContext {
  return storage.getStore() ?? { ip: null, userAgent: null };
}
