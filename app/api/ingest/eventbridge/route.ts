/**
 * EventBridge push endpoint (an API destination with a header secret). The one route outside login: it has
 * its own secret, `x-stepwise-ingest-secret`, compared in constant time to EVENTBRIDGE_SECRET; with no
 * secret configured the route does not exist (404). Accepts one event or an array of them (a body over
 * MAX_BODY_BYTES, 1 MiB, is refused with 413: lib/api/body.ts), stores them in the queue in one statement
 * and answers 202 at once; the sync worker holding the event's source handles them (lib/sync/eventbridge.ts).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { readBodyText } from "@/lib/api/body";
import { AppError, badRequest, errorResponse, notFound, unauthorized } from "@/lib/errors";
import { logger } from "@/lib/log";
import { parseIngestBody, queueEvents } from "@/lib/sync/eventbridge";

export const dynamic = "force-dynamic";

/** Constant-time comparison that does not leak the secret's length either (both sides hashed first). */
function secretMatches(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

export async function POST(request: Request) {
  const secret = process.env.EVENTBRIDGE_SECRET;
  if (!secret) return errorResponse(notFound());
  if (!secretMatches(request.headers.get("x-stepwise-ingest-secret"), secret)) {
    return errorResponse(unauthorized("Invalid or missing x-stepwise-ingest-secret."));
  }
  let text: string;
  try {
    text = await readBodyText(request);
  } catch (error) {
    if (error instanceof AppError) return errorResponse(error);
    return errorResponse(badRequest("Unreadable body."));
  }
  const parsed = parseIngestBody(text);
  if ("error" in parsed) return errorResponse(badRequest(parsed.error));
  try {
    return Response.json(
      { results: await queueEvents(parsed.events) },
      { status: 202, headers: { "Cache-Control": "no-store" } },
    );
  } catch (error) {
    // The queue is unreachable: EventBridge delivers again (queued events are then duplicates).
    logger.error({ error: error instanceof Error ? error.message : String(error) }, "eventbridge ingest failed");
    return Response.json(
      { error: { code: "unavailable", message: "Temporarily unavailable; deliver again." } },
      { status: 503, headers: { "Cache-Control": "no-store", "Retry-After": "5" } },
    );
  }
}
