import { recordFailedCredential } from "@/lib/audit/failed-credentials";
import { requestContextFromHeaders, runWithRequestContext } from "@/lib/audit/request-context";
import { errorResponse, unauthorized } from "@/lib/errors";

export const dynamic = "force-dynamic";

/**
 * Where proxy.ts sends API calls that carry neither a session cookie nor a bearer
 * token: a 401 JSON answer (never a redirect), recorded in the audit log (rate-limited per address).
 */
async function handler(request: Request): Promise<Response> {
  const path = request.headers.get("x-stepwise-path") ?? new URL(request.url).pathname;
  await runWithRequestContext(requestContextFromHeaders(request.headers), () =>
    recordFailedCredential({
      actor: null,
      via: "anonymous",
      action: "api.unauthorized",
      outcome: "denied",
      details: { method: request.method, path: path.slice(0, 300), reason: "no credentials" },
    }),
  );
  return errorResponse(unauthorized());
}

export { handler as DELETE, handler as GET, handler as PATCH, handler as POST, handler as PUT };
