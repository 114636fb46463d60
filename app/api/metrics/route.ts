/**
 * Prometheus metrics of the sync (text exposition). Needs `Authorization: Bearer <METRICS_TOKEN>` or a
 * logged-in session; with neither configured nor present it answers 401.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { findActiveSession, sessionTokenFromCookieHeader } from "@/lib/auth/session";
import { logger } from "@/lib/log";
import { renderSyncMetrics } from "@/lib/sync/status";

export const dynamic = "force-dynamic";

const digest = (v: string) => createHash("sha256").update(v).digest();

function bearerMatches(header: string | null, expected: string | undefined): boolean {
  if (!expected || !header?.startsWith("Bearer ")) return false;
  return timingSafeEqual(digest(header.slice("Bearer ".length).trim()), digest(expected));
}

export async function GET(request: Request) {
  let allowed = bearerMatches(request.headers.get("authorization"), process.env.METRICS_TOKEN);
  if (!allowed) {
    const token = sessionTokenFromCookieHeader(request.headers.get("cookie"));
    allowed = token ? (await findActiveSession(token).catch(() => null)) !== null : false;
  }
  if (!allowed) {
    return new Response("unauthorized\n", {
      status: 401,
      headers: { "Content-Type": "text/plain; charset=utf-8", "WWW-Authenticate": 'Bearer realm="metrics"' },
    });
  }
  try {
    const body = await renderSyncMetrics();
    return new Response(body, {
      headers: { "Content-Type": "text/plain; version=0.0.4; charset=utf-8", "Cache-Control": "no-store" },
    });
  } catch (error) {
    logger.error({ error: error instanceof Error ? error.message : String(error) }, "metrics rendering failed");
    return new Response("metrics unavailable\n", { status: 503, headers: { "Content-Type": "text/plain" } });
  }
}
