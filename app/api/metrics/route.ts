/**
 * Prometheus metrics of the sync and of this instance (prom-client, text exposition 0.0.4). Needs `Authorization: Bearer <METRICS_TOKEN>` or a
 * logged-in session; with neither configured nor present it answers 401.
 */

import { Counter, Gauge, Registry } from "prom-client";
import { metricsTokenMatches } from "@/lib/auth/metrics-token";
import { findActiveSession, sessionTokenFromCookieHeader } from "@/lib/auth/session";
import { queryCount } from "@/lib/db";
import { liveStats } from "@/lib/live/hub";
import { logger } from "@/lib/log";
import { registerSyncMetrics } from "@/lib/sync";

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
    // A registry per scrape: every value is read now (the sync's from Postgres, the rest from this process).
    const registry = new Registry();
    await registerSyncMetrics(registry);
    const live = liveStats();
    new Counter({
      name: "stepwise_db_queries_total",
      help: "SQL statements sent by this app process.",
      registers: [registry],
    }).inc(queries);
    new Gauge({
      name: "stepwise_live_listeners",
      help: "Open live (SSE) subscriptions on this instance.",
      registers: [registry],
    }).set(live.listeners);
    new Gauge({
      name: "stepwise_live_topics",
      help: "Distinct live topics subscribed on this instance.",
      registers: [registry],
    }).set(live.topics);
    return new Response(await registry.metrics(), {
      headers: { "Content-Type": registry.contentType, "Cache-Control": "no-store" },
    });
  } catch (error) {
    logger.error({ error: error instanceof Error ? error.message : String(error) }, "metrics rendering failed");
    return new Response("metrics unavailable\n", { status: 503, headers: { "Content-Type": "text/plain" } });
  }
}
