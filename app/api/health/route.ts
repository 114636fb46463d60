/**
 * Liveness and readiness for load balancers: no login needed, and then only `{ status, db: { ok } }`.
 * The details (version, uptime, database latency, per-source sync status) need
 * `Authorization: Bearer $METRICS_TOKEN` or an admin's session.
 */
import { authenticate, credentialsFromHeaders } from "@/lib/auth/authenticate";
import { metricsTokenMatches } from "@/lib/auth/metrics-token";
import { getHealth, getPublicHealth } from "@/lib/health";

export const dynamic = "force-dynamic";

async function mayReadDetails(request: Request): Promise<boolean> {
  const authorization = request.headers.get("authorization");
  if (metricsTokenMatches(authorization)) return true;
  const credentials = credentialsFromHeaders(request.headers);
  if (!credentials.sessionToken || credentials.bearer !== null) return false;
  // A health probe is not user activity: it does not slide the session's idle expiry.
  const result = await authenticate(credentials, { touch: false }).catch(() => null);
  return Boolean(result?.ok && result.principal.user.isAdmin);
}

export async function GET(request: Request) {
  const health = (await mayReadDetails(request)) ? await getHealth() : await getPublicHealth();
  return Response.json(health, {
    status: health.status === "ok" ? 200 : 503,
    headers: { "Cache-Control": "no-store" },
  });
}
