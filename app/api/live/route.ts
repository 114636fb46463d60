import { withApi } from "@/lib/api/handler";
import { badRequest } from "@/lib/errors";
import { createLiveStream, SSE_HEADERS } from "@/lib/live/sse";
import { parseTopics } from "@/lib/live/topics";

export const dynamic = "force-dynamic";

/**
 * GET /api/live?topics=pipelines,run:<publicId>,… — server-sent events saying
 * what changed (kind + id + version), never the data. Session or API token;
 * reading is open to every signed-in user, so any well-formed topic may be
 * subscribed. The stream closes when the credentials stop being valid (checked for all streams of the
 * instance at once, lib/live/streams.ts). At most STEPWISE_LIVE_MAX_PER_USER streams per user (429) and
 * STEPWISE_LIVE_MAX_STREAMS per instance (503).
 */
// Opening a stream is the page's doing, not the user's: it does not slide the session's idle expiry.
export const GET = withApi({ scope: "read", activity: false }, async ({ request, principal }) => {
  const parsed = parseTopics(new URL(request.url).searchParams.get("topics"));
  if ("error" in parsed) throw badRequest(parsed.error);
  const header = request.headers.get("last-event-id") ?? new URL(request.url).searchParams.get("lastEventId");
  const lastEventId = header && /^\d{1,18}$/.test(header) ? Number(header) : null;
  const stream = createLiveStream({
    // The inbox topic is always the caller's own (lib/alerts writes `inbox:<user id>`).
    topics: parsed.topics.map((t) => (t === "inbox" ? `inbox:${principal.user.id}` : t)),
    lastEventId,
    signal: request.signal,
    principal,
  });
  return new Response(stream, { headers: SSE_HEADERS });
});
