/**
 * Prometheus metrics of the sync (text exposition). Needs `Authorization: Bearer <METRICS_TOKEN>` or a
 * logged-in session; with neither configured nor present it answers 401.
 */

import { metricsTokenMatches } from "@/lib/auth/metrics-token";
import { findActiveSession, sessionTokenFromCookieHeader } from "@/lib/auth/session";
import { queryCount } from "@/lib/db";
import { liveStats } from "@/lib/live/hub";
import { logger } from "@/lib/log";
import { renderSyncMetrics } from "@/lib/sync/status";

export const dynamic = "force-dynamic";

export async function GET(request: Request) {
  // Read before this request issues any query of its own, so consecutive reads differ only by other requests.
  const queries = queryCount();
  let allowed = metricsTokenMatches(request.headers.get("authorization"));
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
    const live = liveStats();
    const body = [
      await renderSyncMetrics(),
      "# HELP stepwise_db_queries_total SQL statements sent by this app process.",
      "# TYPE stepwise_db_queries_total counter",
      `stepwise_db_queries_total ${queries}`,
      "# HELP stepwise_live_listeners Open live (SSE) subscriptions on this instance.",
      "# TYPE stepwise_live_listeners gauge",
      `stepwise_live_listeners ${live.listeners}`,
      "# HELP stepwise_live_topics Distinct live topics subscribed on this instance.",
      "# TYPE stepwise_live_topics gauge",
      `stepwise_live_topics ${live.topics}`,
      "",
    ].join("\n");
    return new Response(body, {
      headers: { "Content-Type": "text/plain; version=0.0.4; charset=utf-8", "Cache-Control": "no-store" },
    });
  } catch (error) {
    logger.error({ error: error instanceof Error ? error.message : String(error) }, "metrics rendering failed");
    return new Response("metrics unavailable\n", { status: 503, headers: { "Content-Type": "text/plain" } });
  }
}
