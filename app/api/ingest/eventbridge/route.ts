/**
 * EventBridge push endpoint (an API destination with a header secret). The one route outside login: it has
 * its own secret, `x-stepwise-ingest-secret`, compared in constant time to EVENTBRIDGE_SECRET; with no
 * secret configured the route does not exist (404). Accepts one event or an array of them; a body over
 * MAX_BODY_BYTES (1 MiB) is refused with 413 (lib/api/body.ts).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { readBodyText } from "@/lib/api/body";
import { AppError, errorResponse } from "@/lib/errors";
import { logger } from "@/lib/log";
import { ingestEvents, parseIngestBody } from "@/lib/sync/eventbridge";

export const dynamic = "force-dynamic";

const json = (status: number, body: unknown) =>
  Response.json(body, { status, headers: { "Cache-Control": "no-store" } });

/** Constant-time comparison that does not leak the secret's length either (both sides hashed first). */
function secretMatches(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

export async function POST(request: Request) {
  const secret = process.env.EVENTBRIDGE_SECRET;
  if (!secret) return json(404, { error: "not found" });
  if (!secretMatches(request.headers.get("x-stepwise-ingest-secret"), secret)) {
    return json(401, { error: "invalid or missing x-stepwise-ingest-secret" });
  }
  let text: string;
  try {
    text = await readBodyText(request);
  } catch (error) {
    if (error instanceof AppError) return errorResponse(error);
    return json(400, { error: "unreadable body" });
  }
  const parsed = parseIngestBody(text);
  if ("error" in parsed) return json(400, { error: parsed.error });
  try {
    const results = await ingestEvents(parsed.events);
    // A transient failure asks EventBridge to deliver again (handled events are skipped as duplicates).
    const failed = results.some((r) => r.outcome === "failed");
    return json(failed ? 503 : 200, { results });
  } catch (error) {
    logger.error({ error: error instanceof Error ? error.message : String(error) }, "eventbridge ingest failed");
    return json(503, { error: "temporarily unavailable" });
  }
}
