import { authenticateRequest, withApi } from "@/lib/api/handler";
import { badRequest } from "@/lib/errors";
import { createLiveStream, SSE_HEADERS } from "@/lib/live/sse";
import { parseTopics } from "@/lib/live/topics";

export const dynamic = "force-dynamic";

/**
 * GET /api/live?topics=pipelines,run:<publicId>,… — server-sent events saying
 * what changed (kind + id + version), never the data. Session or API token;
 * reading is open to every signed-in user, so any well-formed topic may be
 * subscribed. The stream closes when the credentials stop being valid.
 */
export const GET = withApi({ scope: "read", action: "live.subscribe" }, async ({ request }) => {
  const parsed = parseTopics(new URL(request.url).searchParams.get("topics"));
  if ("error" in parsed) throw badRequest(parsed.error);
  const header = request.headers.get("last-event-id") ?? new URL(request.url).searchParams.get("lastEventId");
  const lastEventId = header && /^\d{1,18}$/.test(header) ? Number(header) : null;
  const stream = createLiveStream({
    topics: parsed.topics,
    lastEventId,
    signal: request.signal,
    stillAuthorized: async () => (await authenticateRequest(request)).ok,
  });
  return new Response(stream, { headers: SSE_HEADERS });
});
