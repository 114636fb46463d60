/**
 * Request bodies are read with a cap (1 MiB by default, MAX_BODY_BYTES): a larger
 * declared Content-Length is refused before reading, and a body that grows past
 * the cap while streaming (chunked, or a lying Content-Length) is cut off at the
 * cap. Either way the caller gets an AppError "payload_too_large" → 413.
 * Shared by withApi (every API write) and the EventBridge ingest route.
 */
import { AppError, badRequest } from "@/lib/errors";

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export function maxBodyBytes(): number {
  const raw = Number(process.env.MAX_BODY_BYTES);
  return Number.isFinite(raw) && raw > 0 ? Math.floor(raw) : DEFAULT_MAX_BODY_BYTES;
}

function tooLarge(limit: number): AppError {
  return new AppError("payload_too_large", `The request body is larger than ${limit} bytes.`);
}

/** The body as text, at most `limit` bytes (UTF-8). */
export async function readBodyText(request: Request, limit: number = maxBodyBytes()): Promise<string> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) throw tooLarge(limit);
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge(limit);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw badRequest("The request body could not be read.");
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw badRequest("The request body is not valid UTF-8.");
  }
}

/** Postgres refuses NUL in text and jsonb: a value carrying one is bad input, said so, not a 500. */
export function findNul(value: unknown, path = "", depth = 0): string | null {
  if (typeof value === "string") return value.includes("\u0000") ? path || "value" : null;
  if (value === null || typeof value !== "object" || depth > 64) return null;
  for (const [key, inner] of Object.entries(value)) {
    if (key.includes("\u0000")) return path ? `${path}.${key.replaceAll("\u0000", "\\0")}` : "key";
    const found = findNul(inner, path ? `${path}.${key}` : key, depth + 1);
    if (found) return found;
  }
  return null;
}
