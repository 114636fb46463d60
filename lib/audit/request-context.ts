/**
 * Who is on the other end of the current request (IP, user agent), for session
 * records and audit rows written deep inside next-auth callbacks and the adapter,
 * which get no request object of their own.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { clientAddress } from "./client-address";

export type RequestContext = {
  ip: string | null;
  userAgent: string | null;
  /** The next-auth action being handled ("callback", "signin", …), when inside /api/auth. */
  authAction?: string;
};

const storage = new AsyncLocalStorage<RequestContext>();

/** IP (through TRUST_PROXY_HOPS trusted proxies only, lib/audit/client-address.ts) and user agent. */
export function requestContextFromHeaders(headers: Headers): RequestContext {
  const userAgent = headers.get("user-agent");
  return { ip: clientAddress(headers), userAgent: userAgent ? userAgent.slice(0, 500) : null };
}

export function runWithRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentRequestContext(): RequestContext {
  return storage.getStore() ?? { ip: null, userAgent: null };
}
